using System.Collections.Immutable;
using System.CommandLine;
using LiquidMetal.Cli.Output;
using LiquidMetal.Fleet;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Planning;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Fleet.Scheduling;
using LiquidMetal.Git;
using LiquidMetal.Reconciler.Source;
using LiquidMetal.Reconciler.Status;

namespace LiquidMetal.Cli.Commands;

/// <summary>
/// <c>liquidmetal plan BASE HEAD</c> (two fleet directories) or <c>liquidmetal plan --repo R --base REV --head REV</c>
/// (two revisions, straight from Git, starting from the placement on the status branch): what moving the fleet from
/// base to head does, host by host.
/// </summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var baseDirectory = new Argument<string?>("base-dir") { Description = "The fleet as it is (e.g. the target branch of a pull request)", Arity = ArgumentArity.ZeroOrOne };
        var headDirectory = new Argument<string?>("head-dir") { Description = "The fleet as proposed", Arity = ArgumentArity.ZeroOrOne };
        var format = new Option<string>("--format") { Description = "text, markdown (a pull-request comment) or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "markdown", "json");
        var previous = new Option<string?>("--previous") { Description = "Rendered hosts of what runs now (where base's nodes are placed)" };
        var repo = new Option<string?>("--repo") { Description = "Plan two revisions of this fleet repo instead of two directories" };
        var baseRevision = new Option<string>("--base") { Description = "With --repo: the base revision (a branch or a commit)", DefaultValueFactory = _ => "main" };
        var headRevision = new Option<string?>("--head") { Description = "With --repo: the head revision (a branch or a commit)" };
        var statusBranch = new Option<string>("--status-branch") { Description = "With --repo: where the current placement is read from", DefaultValueFactory = _ => "liquidmetal/status" };
        var command = new Command("plan", "Show what a change to the fleet does, host by host. Exit 0 no change, 1 changes, 2 head invalid, 3 base unusable.")
        {
            baseDirectory, headDirectory, format, previous, repo, baseRevision, headRevision, statusBranch,
        };
        var access = new GitAccess();
        access.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(repo) is { } url)
            {
                if (parse.GetValue(headRevision) is not { } head)
                {
                    await Console.Error.WriteLineAsync("plan --repo needs --head REV (and --base REV, default main)");
                    return ExitCodes.Failed;
                }

                return await RunFromGitAsync(url, parse.GetValue(baseRevision)!, head, parse.GetValue(statusBranch)!, parse.GetValue(format)!, Console.Out, Console.Error, cancellationToken, credentials: await access.ReadAsync(parse, cancellationToken));
            }

            if (parse.GetValue(baseDirectory) is not { } baseDir || parse.GetValue(headDirectory) is not { } headDir)
            {
                await Console.Error.WriteLineAsync("plan needs BASE-DIR HEAD-DIR, or --repo URL --base REV --head REV");
                return ExitCodes.Failed;
            }

            return Run(baseDir, headDir, parse.GetValue(format)!, parse.GetValue(previous), Console.Out, Console.Error);
        });
        return command;
    }

    internal static int Run(string baseDirectory, string headDirectory, string format, string? previousDirectory, TextWriter output, TextWriter error)
    {
        if (!RenderCommand.TryReadPrevious(previousDirectory, error, out var previous))
        {
            return ExitCodes.Failed;
        }

        return Plan(
            baseDirectory,
            headDirectory,
            placement => FleetCompiler.Compile(baseDirectory, placement),
            placement => FleetCompiler.Compile(headDirectory, placement),
            previous,
            null,
            format,
            output,
            error);
    }

    /// <summary>
    /// Both revisions read from the mirror's objects; base starts from the status branch's placement, as the reconciler
    /// would, and the hosts' conditions that do not hold there (an agent that offers less than declared) come with the plan.
    /// </summary>
    internal static async Task<int> RunFromGitAsync(string repository, string baseRevision, string headRevision, string statusBranch, string format, TextWriter output, TextWriter error, CancellationToken cancellationToken, string? mirrorPath = null, GitCredentials? credentials = null)
    {
        try
        {
            var url = MirrorCache.NormalizeUrl(repository);
            await using var mirror = await GitMirror.OpenAsync(mirrorPath ?? MirrorCache.PathFor(url), url, credentials, cancellationToken);
            var heads = (await mirror.SyncAsync([baseRevision, headRevision, statusBranch], cancellationToken)).RemoteHeads;
            var previous = heads.TryGetValue(statusBranch, out var statusTip)
                ? RenderedDirectory.PlacementOf(await RenderedHostsReader.ReadAsync(mirror, statusTip, cancellationToken))
                : null;
            var unreadable = new List<string>();
            var status = statusTip is null ? null : await StatusBranchReader.ReadAsync(mirror, statusTip, cancellationToken, unreadable);
            foreach (var problem in unreadable)
            {
                await error.WriteLineAsync($"warning: {problem}; the plan goes without what it says");
            }

            var baseCommit = heads.GetValueOrDefault(baseRevision) ?? baseRevision;
            var headCommit = heads.GetValueOrDefault(headRevision) ?? headRevision;
            var source = new GitFleetSource(mirror);
            var baseFleet = await source.ReadFleetAsync(baseCommit, cancellationToken);
            var headFleet = await source.ReadFleetAsync(headCommit, cancellationToken);
            return Plan(
                $"{baseRevision}",
                $"{headRevision}",
                placement => WithErrors(FleetCompiler.Compile(baseFleet.Files, placement), baseFleet.Refused),
                placement => WithErrors(FleetCompiler.Compile(headFleet.Files, placement), headFleet.Refused),
                previous,
                status,
                format,
                output,
                error);
        }
        catch (GitException e)
        {
            await error.WriteLineAsync("plan: " + e.Message);
            return ExitCodes.Failed;
        }
    }

    /// <summary>
    /// Each host condition the status branch records as not holding, in host order. A host whose agent offers less memory
    /// than the change would have its VMs need gets that said too: the agent refuses such a spec (memory is never
    /// overcommitted), so merging the change would not bring the host there.
    /// </summary>
    private static ImmutableArray<HostNotice> Notices(StatusSnapshot? status, Plan plan)
    {
        var planned = plan.Hosts.ToDictionary(h => h.Host, StringComparer.Ordinal);
        var notices = ImmutableArray.CreateBuilder<HostNotice>();
        foreach (var host in (status?.Hosts ?? []).OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            foreach (var condition in host.Conditions.Where(c => !c.Status))
            {
                var message = condition.Message;
                if (condition.Type == CapacityCondition.Type
                    && planned.GetValueOrDefault(host.Name) is { Change: HostChange.Changed or HostChange.Added } change
                    && change.AllocatedAfter.MemoryMiB > host.Capacity.MemoryMiB)
                {
                    message += $"; with this change its VMs need {change.AllocatedAfter.MemoryMiB} MiB together, more than the agent offers: it will refuse the host's spec";
                }

                notices.Add(new HostNotice(host.Name, condition.Type, condition.Reason, message));
            }
        }

        return notices.ToImmutable();
    }

    private static CompiledFleet WithErrors(CompiledFleet compiled, IReadOnlyList<Diagnostic> errors) =>
        errors.Count == 0 ? compiled : compiled with { Fleet = null, Diagnostics = [.. errors, .. compiled.Diagnostics] };

    private static int Plan(
        string baseName,
        string headName,
        Func<IReadOnlyDictionary<string, PlacedNode>?, CompiledFleet> compileBase,
        Func<IReadOnlyDictionary<string, PlacedNode>?, CompiledFleet> compileHead,
        IReadOnlyDictionary<string, PlacedNode>? previous,
        StatusSnapshot? status,
        string format,
        TextWriter output,
        TextWriter error)
    {
        var before = compileBase(previous);
        if (!before.Succeeded)
        {
            DiagnosticWriter.Write(error, baseName, before.Diagnostics);
            error.WriteLine($"the base fleet {baseName} is invalid, so there is nothing to plan against; fix the base first (or plan against what runs: --previous)");
            return ExitCodes.Failed;
        }

        // Head starts from where base placed everything: an unrelated change moves nothing.
        var after = compileHead(RenderedDirectory.PlacementOf(before.Hosts));
        if (!after.Succeeded)
        {
            DiagnosticWriter.Write(error, headName, after.Diagnostics);
            return ExitCodes.Invalid;
        }

        var baseClusters = before.Fleet!.Clusters.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var plan = Planner.Diff(before.Hosts, after.Hosts, after.Fleet!, baseClusters);
        plan = plan with { Notices = Notices(status, plan) };
        output.Write(format switch
        {
            "markdown" => PlanWriter.Markdown(plan),
            "json" => PlanWriter.JsonText(plan),
            _ => PlanWriter.Text(plan),
        });
        return plan.HasChanges ? ExitCodes.Changes : ExitCodes.Ok;
    }
}
