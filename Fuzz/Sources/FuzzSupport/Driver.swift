import CLibFuzzer
import Foundation

/// Runs libFuzzer with `callback` as LLVMFuzzerTestOneInput. Each target's
/// `<module>_main` calls this (see CLibFuzzer.h for why).
///
/// With `FUZZ_WRITE_SEEDS=<dir>` in the environment it writes the target's
/// seed corpus into `<dir>` instead, and exits.
public func runLibFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt,
                         seeds: () -> [[UInt8]]) -> CInt {
    if let directory = ProcessInfo.processInfo.environment["FUZZ_WRITE_SEEDS"] {
        let corpus = seeds()
        Seeds.write(corpus, to: directory)
        // Every seed must run clean before it is committed.
        for seed in corpus { _ = seed.withUnsafeBufferPointer { callback($0.baseAddress ?? UnsafePointer(bitPattern: 1), $0.count) } }
        print("wrote \(corpus.count) seeds to \(directory)")
        return 0
    }
    var count = argc
    var vector: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &vector, callback)
}
