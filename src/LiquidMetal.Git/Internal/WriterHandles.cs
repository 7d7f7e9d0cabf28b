using System.Collections.Concurrent;
using LibGit2Sharp;

namespace LiquidMetal.Git.Internal;

/// <summary>
/// The repository handles status commits are written with, kept open from one commit to the next, each with the
/// staged objects in front of the mirror's own (<see cref="StagedObjects"/>). Opening a handle reads the config and,
/// on its first lookups, every pack's index: four handles a commit cost 4-6 ms of a 30 ms commit at 1,000 hosts, and
/// each began with cold caches (the parent's trees, which the handle that wrote them has parsed). Used only under
/// <see cref="GitMirror.WriteGate"/>, one handle per thread at a time.
/// </summary>
/// <remarks>
/// libgit2 finds a pack added since (a status commit's own, a fetch's) when a lookup misses. A pack deleted since (by
/// the fold, or by the gc --auto git runs after a fetch) stays readable, and on disk, while a handle has it mapped: a
/// handle would go on finding objects that may be gone from the mirror, and a commit could then name a blob the mirror
/// no longer has. So each commit starts by listing the packs, and closes the handles if one they may have mapped is
/// gone; the fold closes them too, and so does every <see cref="CommitsPerOpening"/>th commit, which bounds what their
/// object caches hold. Between commits (a converged fleet makes none) a deleted pack stays on disk until the next one.
/// </remarks>
internal sealed class WriterHandles(string path) : IDisposable
{
    private const int HighestPriority = 1000;
    private const int CommitsPerOpening = 32;

    private readonly (Repository Repository, StagedObjects Staged)?[] _handles = new (Repository, StagedObjects)?[Environment.ProcessorCount];
    private ConcurrentDictionary<ObjectId, (ObjectType Type, byte[] Content)> _objects = new();
    private HashSet<string> _packs = []; // the packs the open handles may have mapped
    private int _commits;

    /// <summary>Starts a commit: until <see cref="End"/>, every handle's staged objects are <paramref name="objects"/>.</summary>
    public void Begin(ConcurrentDictionary<ObjectId, (ObjectType Type, byte[] Content)> objects)
    {
        var packs = Packs();
        if (!_packs.IsSubsetOf(packs))
        {
            Close(); // a pack they may have mapped is gone
        }

        _packs = packs;
        Stage(objects);
    }

    /// <summary>Handle <paramref name="index"/> (one per core), opened when first asked for.</summary>
    public Repository Get(int index)
    {
        if (_handles[index] is { } open)
        {
            return open.Repository;
        }

        var repository = new Repository(path);
        try
        {
            var staged = new StagedObjects { Objects = _objects };
            repository.ObjectDatabase.AddBackend(staged, HighestPriority);
            _handles[index] = (repository, staged);
            return repository;
        }
        catch
        {
            repository.Dispose();
            throw;
        }
    }

    /// <summary>Ends a commit (written or failed): the staged objects are let go, and every so many commits the handles too.</summary>
    public void End()
    {
        _packs.UnionWith(Packs()); // this commit's own, and any a fetch added meanwhile: the handles may map them now
        Stage(new ConcurrentDictionary<ObjectId, (ObjectType Type, byte[] Content)>());

        if (++_commits >= CommitsPerOpening)
        {
            Close();
        }
    }

    /// <summary>Closes every handle; the next commit opens them again.</summary>
    public void Close()
    {
        for (var i = 0; i < _handles.Length; i++)
        {
            _handles[i]?.Repository.Dispose();
            _handles[i] = null;
        }

        _packs = [];
        _commits = 0;
    }

    public void Dispose() => Close();

    /// <summary>Makes <paramref name="objects"/> the staged objects of every handle, open now or opened later.</summary>
    private void Stage(ConcurrentDictionary<ObjectId, (ObjectType Type, byte[] Content)> objects)
    {
        _objects = objects;
        foreach (var handle in _handles)
        {
            handle?.Staged.Objects = objects;
        }
    }

    private HashSet<string> Packs()
    {
        var folder = System.IO.Path.Combine(path, "objects", "pack");
        return Directory.Exists(folder) ? [.. Directory.EnumerateFiles(folder, "*.pack").Select(file => System.IO.Path.GetFileName(file))] : [];
    }
}
