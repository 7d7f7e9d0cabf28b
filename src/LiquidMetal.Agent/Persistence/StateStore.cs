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

    /// <param name="snapshot">Taken once the previous write finished, so an older snapshot never overwrites a newer one.</param>
    public Task SaveObservedAsync(Func<ObservedState> snapshot, CancellationToken cancellationToken = default) =>
        SaveAsync(ObservedPath, snapshot, cancellationToken);

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
