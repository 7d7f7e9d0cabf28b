using LibGit2Sharp;

namespace LiquidMetal.Git.Internal;

/// <summary>The mirror's objects/pack folder: packs written durably by libgit2's pack builder.</summary>
internal static class PackFolder
{
    // Under objects/ (not objects/pack/), so neither git nor libgit2 ever takes a half-written pack for a pack.
    private const string StagingPrefix = "liquidmetal-staging-";

    /// <summary>
    /// libgit2's pack builder searches every object for a delta base (a window of 10, not configurable), which for
    /// status files costs about 2.5 ms an object: 70-90 ms for a one-cluster commit of 26 objects, 3 s for a first
    /// one of 800; and the pack came out larger (43 KiB against 39 KiB): the files of different hosts make poor
    /// deltas. Objects above libgit2's "big file" threshold are stored whole without a search. libgit2 1.8 reads that
    /// threshold from <c>pack.deltaCacheSize</c> (pack-objects.c reads the key twice; git's own setting is named
    /// core.bigFileThreshold), so 1 there stores everything whole. For git itself the key only caps a cache of the
    /// deltas it computed (a push recomputes a delta it chose instead of keeping it). The tests check that the packs
    /// written here hold no deltas, so a libgit2 that reads the key differently is noticed.
    /// </summary>
    public static void ConfigureWithoutDeltas(Repository repository)
    {
        if (repository.Config.Get<long>("pack.deltaCacheSize") is not { Value: 1 })
        {
            repository.Config.Set("pack.deltaCacheSize", 1L);
        }
    }

    /// <summary>
    /// Stores <paramref name="ids"/> (objects the repository can read; new ones staged in memory) as one pack. The
    /// pack and its index are written and flushed to disk in a staging folder, then moved into objects/pack, the
    /// index last: git and libgit2 see a pack only through its index. A crash leaves at worst a staging folder, never
    /// a visible pack whose data did not reach the disk (the rename itself is not synced: after a crash a pack may be
    /// missing, never torn). The pack builder costs about 0.15 ms an object whatever its size (a compression stream
    /// and an index entry each): 5-8 ms for a one-cluster commit, 100-200 ms for a first one of 800 objects.
    /// </summary>
    public static void Write(Repository repository, IReadOnlyCollection<ObjectId> ids)
    {
        if (ids.Count == 0)
        {
            return;
        }

        var objects = Path.Combine(repository.Info.Path, "objects");
        var staging = Path.Combine(objects, StagingPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            repository.ObjectDatabase.Pack(new PackBuilderOptions(staging) { MaximumNumberOfThreads = 1 }, builder =>
            {
                foreach (var id in ids)
                {
                    builder.Add(id);
                }
            });
            var pack = Directory.GetFiles(staging, "pack-*.pack").Single();
            var index = Path.ChangeExtension(pack, ".idx");
            FlushToDisk(pack);
            FlushToDisk(index);
            var folder = Path.Combine(objects, "pack");
            Directory.CreateDirectory(folder);
            MoveUnlessPresent(pack, Path.Combine(folder, Path.GetFileName(pack)));
            MoveUnlessPresent(index, Path.Combine(folder, Path.GetFileName(index)));
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Removes staging folders a crash left behind (an hour old: a writer in another process may be using a newer one).</summary>
    public static void RemoveAbandonedStaging(string gitDirectory)
    {
        var objects = Path.Combine(gitDirectory, "objects");
        if (!Directory.Exists(objects))
        {
            return;
        }

        foreach (var staging in Directory.GetDirectories(objects, StagingPrefix + "*"))
        {
            if (Directory.GetLastWriteTimeUtc(staging) < DateTime.UtcNow.AddHours(-1))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>
    /// fsync through a read-only handle: libgit2 leaves packs read-only (0444), which a user other than root cannot
    /// open for writing, and a read-only FileStream's Flush(true) does not call fsync at all (checked with strace).
    /// </summary>
    private static void FlushToDisk(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        RandomAccess.FlushToDisk(file);
    }

    /// <summary>Packs are named by their checksum, so one already there holds exactly these objects.</summary>
    private static void MoveUnlessPresent(string from, string to)
    {
        try
        {
            File.Move(from, to, overwrite: false);
        }
        catch (IOException) when (File.Exists(to))
        {
            // Written meanwhile, or before: the same name is the same content.
        }
    }
}
