using LiquidMetal.Agent.Processes;

namespace LiquidMetal.Agent.Persistence;

/// <summary>Writes a file so that a crash at any moment leaves either the old content or the new, never a torn mix.</summary>
internal static class AtomicFile
{
    /// <param name="durableRename">
    /// False skips flushing the directory: after a crash the file holds the old or the new content, never a torn
    /// mix, but the new content may be lost. For writes whose loss changes nothing (a resync's new generation).
    /// </param>
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default, bool durableRename = true)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            // 0600: desired state holds user-data, which may carry bootstrap secrets.
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Options = FileOptions.Asynchronous,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(content, cancellationToken);
                // Data on disk before the rename makes it visible, or a crash could expose an empty file.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            // The rename itself lives in the directory: flush that too.
            if (durableRename)
            {
                Native.FsyncDirectory(directory);
            }
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
