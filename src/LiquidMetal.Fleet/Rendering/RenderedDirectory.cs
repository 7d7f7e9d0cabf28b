using System.Runtime.ExceptionServices;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Scheduling;

namespace LiquidMetal.Fleet.Rendering;

/// <summary>A directory of rendered host documents (&lt;host&gt;.yaml), as <c>render --out</c> writes and <c>--previous</c> reads.</summary>
public static class RenderedDirectory
{
    public static List<RenderedHost> Read(string directory, List<Diagnostic> diagnostics)
    {
        var hosts = new List<RenderedHost>();
        if (!Directory.Exists(directory))
        {
            diagnostics.Add(new Diagnostic(SourceLocation.OfFile(directory), "no such directory: expected rendered host documents (<host>.yaml) from 'liquidmetal render --out'"));
            return hosts;
        }

        foreach (var path in Directory.EnumerateFiles(directory, "*.yaml").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (new FileInfo(path).Length > Loading.FleetLoader.MaxFileBytes * 16)
            {
                diagnostics.Add(new Diagnostic(SourceLocation.OfFile(name), "rendered host document larger than 16 MiB"));
                continue;
            }

            if (RenderedHostYaml.Read(name, File.ReadAllText(path), diagnostics) is { } host)
            {
                hosts.Add(host);
            }
        }

        return hosts;
    }

    /// <summary>
    /// Writes one file per host (each atomically) and removes documents of hosts that no longer exist. A directory that
    /// does not exist yet appears whole: it is written beside its place and renamed into it.
    /// </summary>
    public static void Write(string directory, IReadOnlyList<RenderedHost> hosts) => Write(directory, hosts.Count, i => hosts[i]);

    /// <summary>
    /// <see cref="Write(string, IReadOnlyList{RenderedHost})"/> for hosts made as they are written: <paramref name="host"/>
    /// is called once for each index, on the thread pool, and its result is dropped once its file is written.
    /// </summary>
    public static void Write(string directory, int count, Func<int, RenderedHost> host)
    {
        if (!Directory.Exists(directory) && TryWriteNew(directory, count, host))
        {
            return;
        }

        Directory.CreateDirectory(directory);
        var names = new string[count];
        EachHost(count, i =>
        {
            var rendered = host(i);
            names[i] = rendered.Host + ".yaml";
            var path = Path.Combine(directory, names[i]);
            var temporary = path + ".tmp";
            File.Delete(temporary); // left by a render that was killed
            RenderedHostYaml.WriteNewFile(temporary, rendered);
            File.Move(temporary, path, overwrite: true);
        });

        var keep = names.ToHashSet(StringComparer.Ordinal);
        foreach (var stale in Directory.EnumerateFiles(directory, "*.yaml"))
        {
            if (!keep.Contains(Path.GetFileName(stale)) && IsRendered(stale))
            {
                File.Delete(stale);
            }
        }
    }

    /// <summary>
    /// A new directory, written as a hidden sibling and renamed into place: readers see no directory or all of it, and no
    /// document needs a rename of its own (at 1,000 hosts, two threads renaming into one directory wait on its lock).
    /// False, with nothing left behind, when the directory appeared meanwhile: then it is written file by file.
    /// </summary>
    private static bool TryWriteNew(string directory, int count, Func<int, RenderedHost> host)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (Path.GetDirectoryName(full) is not { } parent)
        {
            return false; // the file system's root
        }

        // A name of its own: two renders into one directory (two containers' processes can share a process id) never share it.
        var staging = Path.Combine(parent, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(parent);
            Directory.CreateDirectory(staging);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // written file by file, so that what fails is told about the directory asked for, not this one
        }

        try
        {
            EachHost(count, i =>
            {
                var rendered = host(i);
                RenderedHostYaml.WriteNewFile(Path.Combine(staging, rendered.Host + ".yaml"), rendered);
            });
            Directory.Move(staging, full);
            return true;
        }
        catch (IOException) when (Directory.Exists(full))
        {
            TryDelete(staging);
            return false;
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
    }

    /// <summary>Runs <paramref name="write"/> for every host's index on the thread pool; a failure is thrown as itself, not wrapped.</summary>
    private static void EachHost(int count, Action<int> write)
    {
        try
        {
            Parallel.For(0, count, write);
        }
        catch (AggregateException e)
        {
            // The caller tells a full disk or a read-only directory (IOException, UnauthorizedAccessException) by its type.
            ExceptionDispatchInfo.Throw(e.Flatten().InnerExceptions[0]);
        }
    }

    /// <summary>Removes a staging directory after a failure, without hiding the failure behind one of its own.</summary>
    private static void TryDelete(string staging)
    {
        try
        {
            Directory.Delete(staging, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left beside the output: hidden, and named as a staging directory.
        }
    }

    /// <summary>Where each node ran and how big it was, from rendered documents: the starting point of stable placement.</summary>
    public static Dictionary<string, PlacedNode> PlacementOf(IEnumerable<RenderedHost> hosts)
    {
        var placed = new Dictionary<string, PlacedNode>(StringComparer.Ordinal);
        foreach (var host in hosts)
        {
            foreach (var vm in host.Microvms)
            {
                placed[vm.Id] = new PlacedNode(host.Host, vm.Size, vm.Interfaces.FirstOrDefault(i => i.Network.Length > 0)?.Ipv4Address);
            }

            if (host.Metal is { } metal)
            {
                placed[metal.Node] = new PlacedNode(host.Host, Model.Resources.Zero);
            }
        }

        return placed;
    }

    private static bool IsRendered(string path)
    {
        using var reader = new StreamReader(path);
        for (var i = 0; i < 4 && reader.ReadLine() is { } line; i++)
        {
            if (line == "kind: " + RenderedHostYaml.Kind)
            {
                return true;
            }
        }

        return false;
    }
}
