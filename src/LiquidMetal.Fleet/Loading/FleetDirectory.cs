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
        var files = new List<FleetFile>();
        var info = new DirectoryInfo(directory);
        var root = RealPath(info) ?? info.FullName;
        Walk(new DirectoryInfo(root), root, string.Empty, 0, files, diagnostics);
        return files;
    }

    private static void Walk(DirectoryInfo directory, string root, string relative, int depth, List<FleetFile> files, List<Diagnostic> diagnostics)
    {
        if (depth > MaxDepth)
        {
            diagnostics.Add(new Diagnostic(SourceLocation.OfFile(relative), $"directories nested deeper than {MaxDepth} levels (a symlink loop?)"));
            return;
        }

        foreach (var entry in directory.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (entry.Name.StartsWith('.'))
            {
                continue;
            }

            var path = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            var target = entry;
            if (entry.LinkTarget is not null)
            {
                var real = RealPath(entry);
                if (real is null)
                {
                    if (Relevant(path, entry is DirectoryInfo))
                    {
                        diagnostics.Add(new Diagnostic(SourceLocation.OfFile(path), $"broken symlink (points to {entry.LinkTarget})"));
                    }

                    continue;
                }

                if (!real.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    if (Relevant(path, Directory.Exists(real)))
                    {
                        diagnostics.Add(new Diagnostic(SourceLocation.OfFile(path),
                            $"symlink leaves the fleet directory (points to {entry.LinkTarget}); fleet files must live inside the repository"));
                    }

                    continue;
                }

                target = Directory.Exists(real) ? new DirectoryInfo(real) : new FileInfo(real);
            }

            if (target is DirectoryInfo subdirectory)
            {
                if (Relevant(path, isDirectory: true))
                {
                    Walk(subdirectory, root, path, depth + 1, files, diagnostics);
                }

                continue;
            }

            if (!Relevant(path, isDirectory: false) || target is not FileInfo file)
            {
                continue;
            }

            if (file.Length > FleetLoader.MaxFileBytes)
            {
                diagnostics.Add(new Diagnostic(SourceLocation.OfFile(path),
                    $"file is {file.Length:N0} bytes; fleet files may be at most {FleetLoader.MaxFileBytes:N0} bytes (1 MiB)"));
                continue;
            }

            files.Add(new FleetFile(path, File.ReadAllBytes(file.FullName)));
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
