import Conformance
import Foundation

// dtls-srtp-vectors [DIR]: runs the conformance vectors in DIR (default: Vectors).
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("-h") || arguments.contains("--help") || arguments.count > 1 {
    print("usage: dtls-srtp-vectors [DIR]   (default DIR: Vectors, relative to the current directory)")
    exit(arguments.count > 1 ? 2 : 0)
}
let report = runConformance(directory: arguments.first ?? "Vectors") { print($0) }
exit(report.succeeded ? 0 : 1)
