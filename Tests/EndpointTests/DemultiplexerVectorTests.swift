import Foundation
import Testing
import DTLSEndpoint

