using System.Text;

namespace LiquidMetal.Reconciler.Secrets.Age;

/// <summary>One recipient stanza of an age header: "-> type arguments..." and a body that wraps the file key.</summary>
internal sealed record AgeStanza(string Type, IReadOnlyList<string> Arguments, byte[] Body)
{
    /// <summary>Base64 columns of a full body line; a body always ends in a shorter line, an empty one if need be.</summary>
    public const int LineColumns = 64;

    public void AppendTo(StringBuilder header)
    {
        header.Append("-> ").Append(Type);
        foreach (var argument in Arguments)
        {
            header.Append(' ').Append(argument);
        }

        header.Append('\n');
        var text = AgeBase64.Encode(Body);
        for (var at = 0; ; at += LineColumns)
        {
            var line = text.AsSpan(at, Math.Min(LineColumns, text.Length - at));
            header.Append(line).Append('\n');
            if (line.Length < LineColumns)
            {
                break;
            }
        }
    }
}
