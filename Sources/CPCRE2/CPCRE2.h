// Shim over the 8-bit PCRE2 library for Swift.
//
// pcre2.h spells its API through width-generic macros (pcre2_compile -> pcre2_compile_8) and defines
// PCRE2_UNSET / PCRE2_ZERO_TERMINATED as casts; the Swift importer sees neither. Every entry point the Swift
// wrapper needs is re-exported here as a `static inline` function with a CPCRE2_ prefix, so Swift code never
// depends on the code-unit-width suffix. Nothing here allocates or keeps state of its own.
#ifndef CPCRE2_SHIM_H
#define CPCRE2_SHIM_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

// MARK: - Constants the importer cannot see

/// Value of an ovector slot for a group that did not participate in the match.
static inline size_t CPCRE2_unset(void) { return PCRE2_UNSET; }

// Error codes are plain parenthesised literals; re-export them so Swift does not rely on macro import rules.
static inline int CPCRE2_error_nomatch(void) { return PCRE2_ERROR_NOMATCH; }
static inline int CPCRE2_error_matchlimit(void) { return PCRE2_ERROR_MATCHLIMIT; }
static inline int CPCRE2_error_depthlimit(void) { return PCRE2_ERROR_DEPTHLIMIT; }
static inline int CPCRE2_error_heaplimit(void) { return PCRE2_ERROR_HEAPLIMIT; }
static inline int CPCRE2_error_jit_stacklimit(void) { return PCRE2_ERROR_JIT_STACKLIMIT; }
static inline int CPCRE2_error_nomemory(void) { return PCRE2_ERROR_NOMEMORY; }

// MARK: - Configuration

/// 1 when this libpcre2-8 build includes JIT support and the CPU is supported, else 0.
static inline uint32_t CPCRE2_config_jit(void) {
    uint32_t available = 0;
    if (pcre2_config(PCRE2_CONFIG_JIT, &available) < 0) { return 0; }
    return available;
}

// MARK: - Compiling

static inline pcre2_code *CPCRE2_compile(const uint8_t *pattern, size_t length, uint32_t options, int *errorcode,
                                         size_t *erroroffset) {
    return pcre2_compile(pattern, length, options, errorcode, erroroffset, NULL);
}

static inline void CPCRE2_code_free(pcre2_code *code) { pcre2_code_free(code); }

static inline int CPCRE2_jit_compile(pcre2_code *code, uint32_t options) { return pcre2_jit_compile(code, options); }

/// PCRE2_INFO_CAPTURECOUNT; negative on error.
static inline int CPCRE2_capture_count(const pcre2_code *code, uint32_t *count) {
    return pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, count);
}

/// The name table: `count` entries of `entry_size` bytes, each a big-endian 16-bit group number followed by the
/// NUL-terminated name. The table lives inside `code` and is valid for as long as `code` is.
static inline int CPCRE2_name_table(const pcre2_code *code, uint32_t *count, uint32_t *entry_size,
                                    const uint8_t **table) {
    int rc = pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, count);
    if (rc < 0) { return rc; }
    rc = pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, entry_size);
    if (rc < 0) { return rc; }
    return pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, (void *)table);
}

// MARK: - Match context (limits)

static inline pcre2_match_context *CPCRE2_match_context_create(void) { return pcre2_match_context_create(NULL); }

static inline void CPCRE2_match_context_free(pcre2_match_context *context) { pcre2_match_context_free(context); }

static inline int CPCRE2_set_limits(pcre2_match_context *context, uint32_t match_limit, uint32_t depth_limit,
                                    uint32_t heap_limit_kib) {
    int rc = pcre2_set_match_limit(context, match_limit);
    if (rc != 0) { return rc; }
    rc = pcre2_set_depth_limit(context, depth_limit);
    if (rc != 0) { return rc; }
    return pcre2_set_heap_limit(context, heap_limit_kib);
}

// MARK: - Matching

static inline pcre2_match_data *CPCRE2_match_data_create_from_pattern(const pcre2_code *code) {
    return pcre2_match_data_create_from_pattern(code, NULL);
}

/// Match data for up to `pairs` ovector pairs, for any pattern with at most `pairs - 1` capture groups.
static inline pcre2_match_data *CPCRE2_match_data_create(uint32_t pairs) { return pcre2_match_data_create(pairs, NULL); }

static inline void CPCRE2_match_data_free(pcre2_match_data *data) { pcre2_match_data_free(data); }

static inline int CPCRE2_match(const pcre2_code *code, const uint8_t *subject, size_t length, size_t start_offset,
                               uint32_t options, pcre2_match_data *data, pcre2_match_context *context) {
    return pcre2_match(code, subject, length, start_offset, options, data, context);
}

static inline size_t *CPCRE2_get_ovector_pointer(pcre2_match_data *data) { return pcre2_get_ovector_pointer(data); }

static inline uint32_t CPCRE2_get_ovector_count(pcre2_match_data *data) { return pcre2_get_ovector_count(data); }

// MARK: - Errors

/// Writes PCRE2's English message for `errorcode` into buffer (NUL-terminated); returns its length or a negative
/// error (PCRE2_ERROR_NOMEMORY when truncated, PCRE2_ERROR_BADDATA for an unknown code).
static inline int CPCRE2_get_error_message(int errorcode, uint8_t *buffer, size_t size) {
    return pcre2_get_error_message(errorcode, buffer, size);
}

#endif  // CPCRE2_SHIM_H
