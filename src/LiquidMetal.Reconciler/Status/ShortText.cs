using System.Text.RegularExpressions;

namespace LiquidMetal.Reconciler.Status;

/// <summary>
/// Long status text as one short line for a table (the terminal's and the status README's): an agent's refusal can run
/// to thousands of characters, and a VM's reason to a console log. The whole text stays in the status files.
/// </summary>
public static partial class ShortText
{
    /// <summary>The most characters a host's reason takes in a table, its ellipsis included.</summary>
    public const int ReasonWidth = 72;

    /// <summary>
    /// Why a host's agent did not answer, as one line of at most <see cref="ReasonWidth"/> characters, in a stable
    /// form: "refused: " and the first of the agent's reasons, "unreachable: " and the first sentence of what failed,
    /// "other host: " and the host its agent serves, or "no: " and the first sentence of anything else.
    /// </summary>
    public static string Reason(string? error)
    {
        var text = error ?? string.Empty;
        var reason = RefusedPattern().Match(text) is { Success: true } refused ? "refused: " + FirstSentence(refused.Groups["detail"].Value)
            : UnreachablePattern().Match(text) is { Success: true } unreachable ? "unreachable: " + FirstSentence(unreachable.Groups["detail"].Value)
            : OtherHostPattern().Match(text) is { Success: true } other ? "other host: its agent is " + other.Groups["host"].Value
            : "no: " + (text.Length == 0 ? "no reason recorded" : FirstSentence(text));
        return Cut(reason, ReasonWidth);
    }

    /// <summary>The first line of <paramref name="text"/>, white space made single spaces, cut to <paramref name="width"/> characters.</summary>
    public static string Line(string? text, int width)
    {
        var value = text ?? string.Empty;
        var end = value.IndexOf('\n');
        return Cut(Spaces().Replace(end < 0 ? value : value[..end], " ").Trim(), width);
    }

    /// <summary>The text itself when it fits; else cut between words where one ends in the second half of the room (else mid-word), with an ellipsis.</summary>
    public static string Cut(string text, int width)
    {
        if (text.Length <= width)
        {
            return text;
        }

        var room = text[..(width - 1)];
        var space = room.LastIndexOf(' ');
        return (space > width / 2 ? room[..space] : room).TrimEnd() + "…";
    }

    /// <summary>Up to the first line break, "; " or ". ", with runs of white space made one space.</summary>
    private static string FirstSentence(string text)
    {
        var end = SentenceEnd().Match(text) is { Success: true } found ? found.Index : text.Length;
        return Spaces().Replace(text[..end], " ").Trim();
    }

    // "agent refused: InvalidArgument: desired state refused: vm a: ...; vm b: ..." (the gRPC code and the agent's lead-in add nothing).
    [GeneratedRegex(@"^agent refused: (?:\w+: )?(?:desired state refused: )?(?<detail>.*)$", RegexOptions.Singleline)]
    private static partial Regex RefusedPattern();

    // "agent at https://sled-1:7443 unreachable: Unavailable: ..."
    [GeneratedRegex(@"^agent at \S+ unreachable: (?<detail>.*)$", RegexOptions.Singleline)]
    private static partial Regex UnreachablePattern();

    // "the agent at https://sled-1:7443 is host sled-2, not sled-1: check ..."
    [GeneratedRegex(@"^the agent at \S+ is host (?<host>\S+), not ")]
    private static partial Regex OtherHostPattern();

    [GeneratedRegex(@"\r?\n|; |\. ")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
