/// PostgreSQL's limits on `numeric` (numeric.c), which a jsonb cast applies to every number:
/// an exponent below 2^30 - 1 either way (PostgreSQL 15 refuses 2^30 - 1 itself, 16 and later
/// take it), at most 16383 digits after the decimal point once the exponent is applied
/// (`dscale`), and a magnitude below 10^131072 (its base-10000 weight fits an int16). The raw
/// payload is stored as text and cast to jsonb in SQL, so a number beyond them would fail that
/// statement on every later run; the scan notes such numbers (`JSONSpan.Flags.beyondNumeric`).
enum PostgresNumeric {
    static let exponentLimit = 1_073_741_822
    static let scaleLimit = 16_383
    static let integerDigitsLimit = 131_072

    /// Whether a JSON number with these digits fits: `integerIsZero` when its integer part is
    /// `0`; `fractionZeros` counts the fraction's leading zeros (-1: the fraction is all zeros,
    /// or there is none); `exponent` saturates beyond `exponentLimit`.
    @inline(__always)
    static func fits(integerDigits: Int, integerIsZero: Bool, fractionDigits: Int, fractionZeros: Int, exponent: Int) -> Bool {
        if exponent == 0 { return fractionDigits <= scaleLimit && integerDigits <= integerDigitsLimit }
        guard exponent.magnitude <= exponentLimit, fractionDigits - exponent <= scaleLimit else { return false }
        // The first significant digit stands at 10^(integerDigits - 1 + exponent), or, for 0.00…d,
        // at 10^(exponent - fractionZeros - 1); it must stand below 10^131072.
        if !integerIsZero { return integerDigits + exponent <= integerDigitsLimit }
        guard fractionZeros >= 0 else { return true }  // zero: no magnitude to check
        return exponent - fractionZeros - 1 < integerDigitsLimit
    }
}
