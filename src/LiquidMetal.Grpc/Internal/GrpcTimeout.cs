namespace LiquidMetal.Grpc.Internal;

/// <summary>The <c>grpc-timeout</c> header: at most 8 ASCII digits followed by a unit (H, M, S, m, u, n).</summary>
internal static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;

    // Finest unit first, so a short timeout keeps its precision.
    private static readonly (char Unit, long NanosecondsPerUnit)[] Units =
    [
        ('n', 1), ('u', 1_000), ('m', 1_000_000), ('S', 1_000_000_000), ('M', 60_000_000_000), ('H', 3_600_000_000_000),
    ];

    public static bool TryParse(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (value is null || value.Length is < 2 or > 9)
        {
            return false;
        }

        long amount = 0;
        for (var i = 0; i < value.Length - 1; i++)
        {
            var c = value[i];
            if (c is < '0' or > '9')
            {
                return false;
            }

            amount = (amount * 10) + (c - '0');
        }

        var unit = value[^1];
        foreach (var (name, nanoseconds) in Units)
        {
            if (name == unit)
            {
                // Round up to whole ticks: a timeout must never come out shorter than asked.
                var ticks = nanoseconds >= 100
                    ? amount * (nanoseconds / 100)
                    : ((amount * nanoseconds) + 99) / 100;
                timeout = TimeSpan.FromTicks(ticks);
                return true;
            }
        }

        return false;
    }

    public static string Format(TimeSpan timeout)
    {
        var ticks = Math.Max(1, timeout.Ticks);
        var nanoseconds = ticks > long.MaxValue / 100 ? long.MaxValue : ticks * 100;

        foreach (var (name, perUnit) in Units)
        {
            var amount = (nanoseconds / perUnit) + (nanoseconds % perUnit == 0 ? 0 : 1);
            if (amount <= MaxValue)
            {
                return amount.ToString(System.Globalization.CultureInfo.InvariantCulture) + name;
            }
        }

        return MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture) + "H";
    }
}
