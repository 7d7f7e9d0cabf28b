using System.Text;

namespace LiquidMetal.Git.Internal;

/// <summary>What one git process returned.</summary>
internal sealed record GitResult(int ExitCode, byte[] Stdout, string Stderr)
{
    public string Text => Encoding.UTF8.GetString(Stdout);
}
