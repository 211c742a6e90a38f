import ReplacerMatchers

// Helpers that turn typed throws into optionals, so tests can inspect the error value.

func compileError(_ pattern: String, caseInsensitive: Bool = false) -> PCRE2Error? {
    do {
        _ = try PCRE2Pattern(pattern, caseInsensitive: caseInsensitive)
        return nil
    } catch {
        return error
    }
}

func matchError(_ pattern: PCRE2Pattern, _ subject: String) -> PCRE2Error? {
    do {
        _ = try pattern.firstMatch(in: subject)
        return nil
    } catch {
        return error
    }
}

func templateError(_ template: String, for pattern: PCRE2Pattern) -> ReplacementTemplateError? {
    do {
        _ = try ReplacementTemplate(template, for: pattern)
        return nil
    } catch {
        return error
    }
}
