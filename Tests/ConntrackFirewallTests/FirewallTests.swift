import XCTest
@testable import ConntrackFirewall
