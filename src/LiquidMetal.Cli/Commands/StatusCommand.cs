using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using LiquidMetal.Cli.Output;
using LiquidMetal.Git;
using LiquidMetal.Reconciler.Status;

namespace LiquidMetal.Cli.Commands;

/// <summary><c>liquidmetal status</c>: the status branch of a fleet repo as a table or JSON.</summary>
internal static class StatusCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static Command Create()
    {
        var repo = new Option<string>("--repo") { Description = "The fleet repo: a URL or a local path", DefaultValueFactory = _ => "." };
        var branch = new Option<string>("--branch") { Description = "The status branch", DefaultValueFactory = _ => "liquidmetal/status" };
        var format = new Option<string>("--format") { Description = "table or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var nodes = new Option<bool>("--nodes") { Description = "With the table: one row per node too (cluster, host, addresses, state)" };
        var command = new Command("status", "Show what the reconciler last observed, from the status branch.") { repo, branch, format, nodes };
        var access = new GitAccess();
        access.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
            await RunAsync(parse.GetValue(repo)!, parse.GetValue(branch)!, parse.GetValue(format)!, Console.Out, Console.Error, cancellationToken, credentials: await access.ReadAsync(parse, cancellationToken), nodes: parse.GetValue(nodes)));
        return command;
    }

    internal static async Task<int> RunAsync(
        string repository, string branch, string format, TextWriter output, TextWriter error, CancellationToken cancellationToken, string? mirrorPath = null, GitCredentials? credentials = null, bool nodes = false)
    {
        try
        {
            var url = MirrorCache.NormalizeUrl(repository);
            await using var mirror = await GitMirror.OpenAsync(mirrorPath ?? MirrorCache.PathFor(url), url, credentials, cancellationToken);
            var sync = await mirror.SyncAsync([branch], cancellationToken);
            if (!sync.RemoteHeads.TryGetValue(branch, out var commit))
            {
                await error.WriteLineAsync($"{repository} has no branch {branch}: no reconciler has written status there yet (or it uses another status branch: --branch)");
                return ExitCodes.Failed;
            }

            var snapshot = await StatusBranchReader.ReadAsync(mirror, commit, cancellationToken);
            if (format == "json")
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(snapshot, Json));
            }
            else
            {
                StatusTableWriter.Write(output, snapshot, nodes);
            }

            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is GitException or InvalidDataException)
        {
            await error.WriteLineAsync("error: " + e.Message);
            return ExitCodes.Failed;
        }
    }
}
