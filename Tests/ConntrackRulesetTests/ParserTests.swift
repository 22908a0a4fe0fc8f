import XCTest
@testable import ConntrackRuleset
