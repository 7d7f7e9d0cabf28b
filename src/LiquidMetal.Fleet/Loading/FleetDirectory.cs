using System.Runtime.ExceptionServices;
using LiquidMetal.Fleet.Diagnostics;

namespace LiquidMetal.Fleet.Loading;

/// <summary>
/// Reads the fleet files of a directory: fleet.yaml and any YAML at the root, everything under hosts/,
/// clusters/ and networks/. Hidden entries (.git, .github) are skipped; symlinks are followed only while they stay inside
/// the fleet directory; files over <see cref="FleetLoader.MaxFileBytes"/> are reported, not read.
/// </summary>
internal static class FleetDirectory
{
    private const int MaxDepth = 8;

    /// <summary>The fleet files of an existing directory (<see cref="FleetLoader.LoadDirectory"/> checks that it exists).</summary>
    internal static List<FleetFile> Read(string directory, List<Diagnostic> diagnostics)
    {
        var info = new DirectoryInfo(directory);
        var root = RealPath(info) ?? info.FullName;
        var found = new List<Found>();
        Walk(new DirectoryInfo(root), root, string.Empty, 0, found);

        // Each file is checked (a symlink, its size) and read on every core: at 3,000 files, a stat, a readlink and a read
        // apiece, one after another, were 120 ms of a one-core stage. What is found is told in the walk's order.
        try
        {
            Parallel.For(0, found.Count, new ParallelOptions { MaxDegreeOfParallelism = found.Count > 64 ? -1 : 1 }, i => found[i].Read(root));
        }
        catch (AggregateException e)
        {
            ExceptionDispatchInfo.Throw(e.Flatten().InnerExceptions[0]); // an unreadable file fails the read as it did one by one
        }

        var files = new List<FleetFile>(found.Count);
        foreach (var item in found)
        {
            if (item.Problem is { } problem)
            {
                diagnostics.Add(problem);
            }
            else if (item.Content is { } content)
            {
                files.Add(new FleetFile(item.Path, content));
            }
        }

        return files;
    }

    /// <summary>
    /// What the walk met, in order: a problem it found itself (a directory), or a file still to check and read. The
    /// walk follows directory symlinks itself (it must, to list them); a file's own checks wait for <see cref="Read"/>.
    /// </summary>
    private sealed class Found(string path, FileInfo? file, Diagnostic? problem)
    {
        public string Path { get; } = path;

        public Diagnostic? Problem { get; private set; } = problem;

        public byte[]? Content { get; private set; }

        public void Read(string root)
        {
            if (file is null)
            {
                return;
            }

            var (real, problem) = Follow(file, root, Path);
            if (problem is not null)
            {
                Problem = problem;
                return;
            }

            var target = real is null ? file : new FileInfo(real);
            if (target.Length > FleetLoader.MaxFileBytes)
            {
                Problem = new Diagnostic(SourceLocation.OfFile(Path),
                    $"file is {target.Length:N0} bytes; fleet files may be at most {FleetLoader.MaxFileBytes:N0} bytes (1 MiB)");
                return;
            }

            Content = File.ReadAllBytes(target.FullName);
        }
    }

    /// <summary>
    /// Where an entry leads: no real path for an entry that is no symlink; the real path of one that stays inside the
    /// fleet directory; or why it cannot be followed (broken, or leaving), with the real path when there is one.
    /// </summary>
    private static (string? Real, Diagnostic? Problem) Follow(FileSystemInfo entry, string root, string path)
    {
        if (entry.LinkTarget is not { } link)
        {
            return (null, null);
        }

        var real = RealPath(entry);
        if (real is null)
        {
            return (null, new Diagnostic(SourceLocation.OfFile(path), $"broken symlink (points to {link})"));
        }

        return real.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? (real, null)
            : (real, new Diagnostic(SourceLocation.OfFile(path), $"symlink leaves the fleet directory (points to {link}); fleet files must live inside the repository"));
    }

    private static void Walk(DirectoryInfo directory, string root, string relative, int depth, List<Found> found)
    {
        if (depth > MaxDepth)
        {
            found.Add(new Found(relative, null, new Diagnostic(SourceLocation.OfFile(relative), $"directories nested deeper than {MaxDepth} levels (a symlink loop?)")));
            return;
        }

        foreach (var entry in directory.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (entry.Name.StartsWith('.'))
            {
                continue;
            }

            var path = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            if (entry is FileInfo file)
            {
                // A file, or a symlink that does not lead to a directory: checked and read later, on every core.
                if (Relevant(path, isDirectory: false))
                {
                    found.Add(new Found(path, file, null));
                }

                continue;
            }

            var (real, problem) = Follow(entry, root, path);
            if (problem is not null)
            {
                // A broken link here was listed as a directory; one that leaves counts as what it points to.
                if (Relevant(path, real is null || Directory.Exists(real)))
                {
                    found.Add(new Found(path, null, problem));
                }

                continue;
            }

            FileSystemInfo target = real is null ? entry : Directory.Exists(real) ? new DirectoryInfo(real) : new FileInfo(real);
            if (target is DirectoryInfo subdirectory)
            {
                if (Relevant(path, isDirectory: true))
                {
                    Walk(subdirectory, root, path, depth + 1, found);
                }

                continue;
            }

            if (Relevant(path, isDirectory: false))
            {
                found.Add(new Found(path, (FileInfo)target, null)); // a directory entry that turned out a file meanwhile
            }
        }
    }

    /// <summary>Whether the loader cares about a path: YAML files it reads, and the folders that hold them.</summary>
    private static bool Relevant(string path, bool isDirectory) =>
        isDirectory
            ? FleetLoader.Folders.Any(f => path == f || (path.StartsWith(f, StringComparison.Ordinal) && path[f.Length] == '/'))
            : FleetLoader.IsFleetPath(path);

    /// <summary>The canonical path with every symlink resolved, in every component (realpath(3)); null when it does not exist.</summary>
    private static string? RealPath(FileSystemInfo entry)
    {
        var resolved = NativeMethods.RealPath(entry.FullName, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            NativeMethods.Free(resolved);
        }
    }

    private static class NativeMethods
    {
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "realpath", CharSet = System.Runtime.InteropServices.CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        public static extern IntPtr RealPath(string path, IntPtr resolved);

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "free")]
        public static extern void Free(IntPtr pointer);
    }
}
