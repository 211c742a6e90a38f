/// The sandbox every call into a WebAssembly plugin runs in.
///
/// The defaults leave a well-behaved plugin two orders of magnitude of headroom (the shipped example uses a few
/// thousand units of fuel and one page of memory per evaluation) while bounding the worst case far inside the
/// webhook's request deadline.
public struct WasmLimits: Sendable, Hashable {
    /// Fuel for one call (`kir_configure`, `kir_evaluate`, …): roughly one unit per executed WebAssembly operator.
    /// Exhausting it traps the call. Ten million units take about 7 ms in a release build.
    public var fuel: UInt64
    /// The most linear memory one plugin instance may have, in 64 KiB pages. Growth beyond it fails inside the
    /// plugin (`memory.grow` returns -1) and the call is reported as over the cap.
    public var memoryPages: Int
    /// The largest output (`kir_evaluate`'s JSON, `kir_id`, a `kir_configure` message) accepted, in bytes.
    public var maxOutputBytes: Int
    /// Idle instances kept per stage. Evaluations run concurrently, each on its own instance; more are made on
    /// demand and the surplus is dropped when they are returned.
    public var idleInstances: Int

    public init(
        fuel: UInt64 = 10_000_000, memoryPages: Int = 256, maxOutputBytes: Int = 64 << 10, idleInstances: Int = 8
    ) {
        self.fuel = fuel
        self.memoryPages = memoryPages
        self.maxOutputBytes = maxOutputBytes
        self.idleInstances = idleInstances
    }

    /// The memory cap in bytes.
    public var memoryBytes: Int { memoryPages * 65536 }
}
