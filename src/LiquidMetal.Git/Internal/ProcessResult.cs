using System.Text;

namespace LiquidMetal.Git.Internal;

/// <summary>What one process (git, ssh-keygen, gpg) returned.</summary>
internal sealed record ProcessResult(int ExitCode, byte[] Stdout, string Stderr)
{
    public string Text => Encoding.UTF8.GetString(Stdout);
}
