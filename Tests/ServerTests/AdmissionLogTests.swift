import Testing

@testable import ReplacerServer

@Suite struct AdmissionLogTests {
    @Test(arguments: [
        (Duration.zero, "0.000"), (.microseconds(42), "0.042"), (.nanoseconds(1_999), "0.001"),
        (.milliseconds(7), "7.000"), (.microseconds(12_345_678), "12345.678"), (.seconds(-1), "0.000"),
    ])
    func durationIsMillisecondsWithThreeDecimals(_ duration: Duration, _ text: String) {
        #expect(WebhookRoutes.milliseconds(duration) == text)
    }
}
