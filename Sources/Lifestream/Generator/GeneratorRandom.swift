extension EventGenerator {
    /// SplitMix64: a tiny, fast, seedable PRNG with our own fixed derivations of integers and
    /// doubles, so the same seed gives the same records on every platform and toolchain
    /// (the standard library's `random(in:using:)` algorithms are not promised to be stable).
    struct Random: Sendable {
        var state: UInt64

        init(seed: UInt64) { state = seed }

        /// A new generator for a named sub-stream, so streams never share draws.
        init(_ seed: UInt64, _ stream: UInt64) { state = Random.mix(seed, stream) }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// Uniform in 0..<n (multiply-shift; the bias is far below anything observable).
        mutating func below(_ n: Int) -> Int {
            precondition(n > 0)
            return Int(next().multipliedFullWidth(by: UInt64(n)).high)
        }

        /// Uniform in range (inclusive).
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

        /// Uniform in [0, 1).
        mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

        mutating func chance(_ probability: Double) -> Bool { unit() < probability }

        /// Exponentially distributed with mean 1 (waiting times between events).
        mutating func exponential() -> Double { -Self.naturalLog(1 - unit()) }

        /// ln(x) for x > 0 from IEEE-exact operations only (`+ - * /`, exponent and
        /// significand), so every platform gets the same bits; the C library's `log` may
        /// differ in the last place between systems, and then so would the records.
        static func naturalLog(_ x: Double) -> Double {
            let m = x.significand                       // x = m · 2^e, m in [1, 2)
            let t = (m - 1) / (m + 1)                   // ln m = 2 atanh t, t in [0, 1/3)
            let t2 = t * t
            var term = t
            var sum = 0.0
            for k in stride(from: 1, through: 29, by: 2) {
                sum += term / Double(k)
                term *= t2
            }
            return Double(x.exponent) * 0.693_147_180_559_945_3 + 2 * sum
        }

        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

        /// A well-mixed combination of two values (for seeds of sub-streams).
        static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
            var r = Random(seed: a ^ (b &* 0xD6E8_FEB8_6659_FD93))
            _ = r.next()
            return r.next()
        }
    }
}
