import FuzzSupport

/// The libFuzzer entry point: runs every wire check on one input and traps when one fails.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    WireFuzzer.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}
