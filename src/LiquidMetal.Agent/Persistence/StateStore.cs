using System.Text.Json;
using LiquidMetal.Agent.Core;

namespace LiquidMetal.Agent.Persistence;

/// <summary>
/// The agent's state folder: desired.json, observed.json, the lock, and one folder per VM
/// (console log, sockets, user-data). Owning the store means holding the lock.
/// </summary>
internal sealed class StateStore : IDisposable
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly StateDirectoryLock _lock;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _observedGate = new();
    private Task? _observedQueued; // the observed write that has not yet taken its snapshot, which later changes join

    private StateStore(string directory, StateDirectoryLock directoryLock)
    {
        Directory = directory;
        _lock = directoryLock;
    }

    public string Directory { get; }

    private string DesiredPath => Path.Combine(Directory, "desired.json");

    private string ObservedPath => Path.Combine(Directory, "observed.json");

    public static StateStore Open(string directory)
    {
        var full = Path.GetFullPath(directory);
        // Only the agent reads its state: user-data and consoles may hold secrets.
        System.IO.Directory.CreateDirectory(full, PrivateFolder);
        System.IO.Directory.CreateDirectory(Path.Combine(full, "vms"), PrivateFolder);
        return new StateStore(full, StateDirectoryLock.Acquire(full));
    }

    public string VmDirectory(string vmId) => Path.Combine(Directory, "vms", vmId);

    public HostDesiredState? LoadDesired() => Load<HostDesiredState>(DesiredPath);

    public ObservedState? LoadObserved() => Load<ObservedState>(ObservedPath);

    /// <param name="durable">False when losing this write in a crash changes nothing (see <see cref="AtomicFile.WriteAsync"/>).</param>
    public Task SaveDesiredAsync(HostDesiredState desired, CancellationToken cancellationToken = default, bool durable = true) =>
        SaveAsync(DesiredPath, () => desired, cancellationToken, durable);

    /// <param name="latest">Read once this write's turn comes, so writes that finish out of order never put an older state back.</param>
    public Task SaveDesiredAsync(Func<HostDesiredState> latest, CancellationToken cancellationToken = default, bool durable = true) =>
        SaveAsync(DesiredPath, latest, cancellationToken, durable);

    /// <summary>
    /// Saves what the agent observes. Changes that come while a write is in flight share the one write queued behind
    /// it: its snapshot is taken when its turn comes, so it holds every one of them. Twenty VMs booting at once cost a
    /// few writes of observed.json, not one for each of their state changes (each write holds every VM).
    /// </summary>
    /// <param name="snapshot">
    /// The agent's whole observed state, taken once the previous write finished, so an older snapshot never overwrites a
    /// newer one. Every caller passes the same one: a caller that joins a queued write is saved by that write's.
    /// </param>
    /// <returns>
    /// The shared write itself, which every caller awaits; it takes no cancellation (a write is short). A per-caller
    /// Task.WaitAsync on it was tried and, with a thousand agents in one process, once left a caller waiting on a write
    /// that had finished (the 1,000-host benchmark never converged); awaiting the task itself has no such layer.
    /// </returns>
    public Task SaveObservedAsync(Func<ObservedState> snapshot)
    {
        lock (_observedGate)
        {
            return _observedQueued ??= WriteObservedAsync(snapshot);
        }
    }

    private async Task WriteObservedAsync(Func<ObservedState> snapshot)
    {
        await Task.Yield(); // the caller leaves the lock before this write waits its turn
        await SaveAsync(ObservedPath, () =>
        {
            lock (_observedGate)
            {
                _observedQueued = null; // a change from here on may not be in this snapshot: it queues the next write
            }

            return snapshot();
        }, CancellationToken.None);
    }

    public void Dispose()
    {
        _lock.Dispose();
        _writeGate.Dispose();
    }

    private async Task SaveAsync<T>(string path, Func<T> snapshot, CancellationToken cancellationToken, bool durable = true)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(snapshot(), StateJson.Options);
            await AtomicFile.WriteAsync(path, bytes, cancellationToken, durable);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private static T? Load<T>(string path)
        where T : class
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), StateJson.Options);
        }
        catch (JsonException e)
        {
            // Atomic writes make a torn file impossible; a file that still does not parse was edited by hand.
            throw new InvalidDataException($"{path} is not valid agent state: {e.Message}", e);
        }
    }
}
