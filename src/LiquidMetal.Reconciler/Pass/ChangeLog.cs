using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Reconciler.Agents;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Reconciler.Pass;

/// <summary>
/// Logs what changed since the last pass, not what is: Applies, agents lost and back, VMs created, running, failed or
/// gone, and a rejected revision once (not at every poll of it).
/// </summary>
public sealed class ChangeLog(ILogger logger)
{
    // Each VM's host and phase as the last pass saw it.
    private Dictionary<string, (string Host, VmPhase Phase)> _vms = new(StringComparer.Ordinal);
    private HashSet<string> _unreachable = new(StringComparer.Ordinal);

    // The last rejection logged (revision and errors).
    private string? _lastRejection;

    /// <summary>Logs a rejected revision and its errors, unless this very rejection was logged last.</summary>
    public void Rejected(string revision, IReadOnlyList<Diagnostic> errors)
    {
        if (FirstTime(revision, errors))
        {
            PassLog.Rejected(logger, revision, errors.Count);
            foreach (var error in errors)
            {
                PassLog.RevisionError(logger, revision, error.ToString());
            }
        }
    }

    /// <summary>Logs a revision not applied for want of a trusted signature, unless this very refusal was logged last.</summary>
    public void Untrusted(string revision, Diagnostic refusal, string verdict, string detail)
    {
        if (FirstTime(revision, [refusal]))
        {
            PassLog.Untrusted(logger, revision, verdict, detail);
        }
    }

    /// <summary>Logs each kubeadm cluster whose bootstrap (secrets, token, init choice) a pass wrote; what is in it, never.</summary>
    public void Bootstrapped(IReadOnlyList<string> clusters)
    {
        foreach (var cluster in clusters)
        {
            PassLog.Bootstrapped(logger, cluster);
        }
    }

    /// <summary>A valid head: a later rejection is news again.</summary>
    public void Accepted() => _lastRejection = null;

    /// <summary>Logs what the agents' answers show changed since the last pass.</summary>
    public void Observed(string revision, IReadOnlyDictionary<string, ObservedHost> observed)
    {
        var vms = new Dictionary<string, (string Host, VmPhase Phase)>(_vms.Count, StringComparer.Ordinal);
        var unreachable = observed.Where(o => o.Value.Error is not null).Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        if (unreachable.Count > 0)
        {
            // Not heard from: their VMs are as last seen, not gone. One look at what was seen, not one per such host
            // (a site down at 1,000 hosts is 1,000 x 20,000).
            foreach (var (id, seen) in _vms.Where(v => unreachable.Contains(v.Value.Host)))
            {
                vms[id] = seen;
            }
        }

        foreach (var (host, observation) in observed)
        {
            if (observation.Applied)
            {
                PassLog.Applied(logger, revision, host, observation.Report?.SpecHash ?? string.Empty);
            }

            if (observation.Error is not null)
            {
                if (!_unreachable.Contains(host))
                {
                    PassLog.HostUnreachable(logger, revision, host, observation.Error);
                }

                continue;
            }

            if (_unreachable.Contains(host))
            {
                PassLog.HostBack(logger, revision, host);
            }

            foreach (var vm in observation.Report?.Vms ?? [])
            {
                vms[vm.Id] = (host, vm.Phase);
                var known = _vms.TryGetValue(vm.Id, out var seen);
                if (known && seen.Phase == vm.Phase)
                {
                    continue;
                }

                var before = known ? seen.Phase.ToString() : "absent";
                if (vm.Phase == VmPhase.Failed)
                {
                    PassLog.VmFailed(logger, revision, host, vm.Cluster, vm.Id, vm.Reason);
                }
                else
                {
                    PassLog.VmState(logger, revision, host, vm.Cluster, vm.Id, before, vm.Phase.ToString());
                }
            }
        }

        // Gone means its host answered without it; a host not asked this pass (it left the fleet) says nothing of its VMs.
        foreach (var (id, seen) in _vms.Where(v => !vms.ContainsKey(v.Key) && observed.ContainsKey(v.Value.Host)))
        {
            PassLog.VmGone(logger, revision, seen.Host, id);
        }

        _vms = vms;
        _unreachable = unreachable;
    }

    private bool FirstTime(string revision, IEnumerable<Diagnostic> errors)
    {
        var rejection = revision + "\n" + string.Join('\n', errors);
        var first = rejection != _lastRejection;
        _lastRejection = rejection;
        return first;
    }
}
