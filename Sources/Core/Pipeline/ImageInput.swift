/// The image a stage is asked about, in the two forms matchers need.
///
/// The pipeline parses each image once per change, not once per stage, so matchers never parse.
public struct ImageInput: Sendable, Hashable {
    /// The image string exactly as the previous stage left it (for the first stage: as the pod spec wrote it).
    public let written: String
    /// The same image in normalized form (`nginx` → `docker.io/library/nginx`); no default tag is added.
    public let reference: ImageReference
    /// `reference.description`, computed once because several matchers compare against it.
    public let normalized: String

    /// Parses `written` in normalized form, or throws the parser's error.
    public init(_ written: String) throws(ReferenceError) {
        let reference = try ImageReference.normalized(written)
        self.init(written: written, reference: reference)
    }

    /// Pairs an already parsed reference with the text it came from.
    public init(written: String, reference: ImageReference) {
        self.written = written
        self.reference = reference
        self.normalized = reference.description
    }
}
