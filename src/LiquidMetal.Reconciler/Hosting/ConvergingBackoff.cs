namespace LiquidMetal.Reconciler.Hosting;

/// <summary>
/// How soon to look again at a fleet that has not converged: soon while things move, then less and less often (up to
/// the poll interval) while passes in a row change nothing, e.g. a host that stays down, so a stuck fleet is not
/// reconciled flat out. The agents' Watch streams wake the loop the moment something does change.
/// </summary>
public sealed class ConvergingBackoff(TimeSpan first, TimeSpan most)
{
    private int _quiet;

    /// <summary>The delay after a pass that did not converge; <paramref name="wroteStatus"/> says whether it recorded anything new.</summary>
    public TimeSpan Next(bool wroteStatus)
    {
        _quiet = wroteStatus ? 0 : _quiet + 1;
        return TimeSpan.FromTicks(Math.Min(most.Ticks, first.Ticks << Math.Min(_quiet, 16)));
    }

    /// <summary>A converged (or rejected) pass: the next time the fleet moves, start looking soon again.</summary>
    public void Reset() => _quiet = 0;
}
