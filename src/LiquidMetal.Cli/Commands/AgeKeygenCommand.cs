using System.CommandLine;
using LiquidMetal.Reconciler.Secrets.Age;

namespace LiquidMetal.Cli.Commands;

/// <summary><c>liquidmetal age-keygen</c>: a new age X25519 identity for the reconciler, in age-keygen's file format.</summary>
internal static class AgeKeygenCommand
{
    public static Command Create()
    {
        var output = new Option<string?>("--output", "-o") { Description = "Write the identity to this file (made readable by its owner only; never overwritten); stdout without it" };
        var command = new Command("age-keygen", "Make an age identity for --age-key-file (the same file format as age-keygen; its public key goes to stderr).") { output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var identity = AgeIdentity.Generate();
            if (parse.GetValue(output) is { } path)
            {
                try
                {
                    identity.WriteFile(path, DateTimeOffset.UtcNow);
                }
                catch (IOException) when (File.Exists(path))
                {
                    await Console.Error.WriteLineAsync($"liquidmetal: {path} exists: an identity is never overwritten (secrets sealed to it would be lost)");
                    return ExitCodes.Failed;
                }
            }
            else
            {
                await Console.Out.WriteAsync(identity.KeyFileText(DateTimeOffset.UtcNow));
            }

            await Console.Error.WriteLineAsync($"Public key: {identity.Recipient}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
