using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;

namespace LiquidMetal.Git.Internal;

/// <summary>Git's object types, numbered as in a pack.</summary>
internal enum ObjectType
{
    Commit = 1,
    Tree = 2,
    Blob = 3,
}

/// <summary>
/// Git objects built in memory and stored as one pack (objects/pack/pack-*.pack and its .idx, version 2), the way
/// git stores what it fetches. One pack is two files and two fsyncs however many objects it holds; a status commit
/// as loose objects was 800 files and 800 fsyncs, and piled up loose objects until git's auto-gc repacked them.
/// Objects are stored whole (no deltas); <c>git push</c> sends them on without recompressing.
/// </summary>
internal sealed class ObjectPack
{
    private readonly int _hexLength;
    private readonly Dictionary<string, (ObjectType Type, byte[] Content)> _objects = new(StringComparer.Ordinal);

    /// <param name="hexLength">40 for a SHA-1 repository, 64 for SHA-256.</param>
    public ObjectPack(int hexLength)
    {
        if (hexLength is not (40 or 64))
        {
            throw new ArgumentOutOfRangeException(nameof(hexLength), hexLength, "a git object id is 40 (SHA-1) or 64 (SHA-256) hex digits");
        }

        _hexLength = hexLength;
    }

    /// <summary>The id git gives an object of this type and content: the hash of "&lt;type&gt; &lt;size&gt;\0" and the content.</summary>
    public static string IdOf(ObjectType type, ReadOnlySpan<byte> content, int hexLength)
    {
        var header = Encoding.ASCII.GetBytes($"{Name(type)} {content.Length.ToString(CultureInfo.InvariantCulture)}\0");
        using var hash = IncrementalHash.CreateHash(hexLength == 64 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA1);
        hash.AppendData(header);
        hash.AppendData(content);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Adds an object (once, however often it is added) and returns its id.</summary>
    /// <param name="id">Its id when the caller has computed it already (<see cref="IdOf"/>).</param>
    public string Add(ObjectType type, byte[] content, string? id = null)
    {
        id ??= IdOf(type, content, _hexLength);
        _objects.TryAdd(id, (type, content));
        return id;
    }

    /// <summary>
    /// Writes the pack into <paramref name="objectsDirectory"/>/pack. Both files reach the disk under temporary names
    /// first; the .idx is renamed last, because git sees a pack only once its index exists. A crash leaves at worst a
    /// temporary file, never a pack that points at missing data.
    /// </summary>
    public async Task WriteAsync(string objectsDirectory, CancellationToken cancellationToken = default)
    {
        if (_objects.Count == 0)
        {
            return;
        }

        var directory = Path.Combine(objectsDirectory, "pack");
        Directory.CreateDirectory(directory);
        var (pack, entries, packChecksum) = BuildPack();
        var index = BuildIndex(entries, packChecksum);
        var name = "pack-" + Convert.ToHexStringLower(packChecksum);
        var temporaryPack = Path.Combine(directory, $"tmp_pack_{Guid.NewGuid():N}");
        var temporaryIndex = Path.Combine(directory, $"tmp_idx_{Guid.NewGuid():N}");
        try
        {
            await WriteDurablyAsync(temporaryPack, pack, cancellationToken);
            await WriteDurablyAsync(temporaryIndex, index, cancellationToken);
            MoveUnlessPresent(temporaryPack, Path.Combine(directory, name + ".pack"));
            MoveUnlessPresent(temporaryIndex, Path.Combine(directory, name + ".idx"));
        }
        finally
        {
            File.Delete(temporaryPack);
            File.Delete(temporaryIndex);
        }
    }

    private (byte[] Pack, List<(byte[] Id, long Offset, uint Crc)> Entries, byte[] Checksum) BuildPack()
    {
        var stream = new MemoryStream();
        Span<byte> header = stackalloc byte[12];
        "PACK"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt32BigEndian(header[8..], (uint)_objects.Count);
        stream.Write(header);

        // Each entry compressed on its own, in parallel (a 200-host status is 6 MB), then laid out in order.
        var objects = _objects.ToArray();
        var stored = new byte[objects.Length][];
        Parallel.For(0, objects.Length, i =>
        {
            var (type, content) = objects[i].Value;
            var entry = new MemoryStream(content.Length / 3 + 64);
            entry.Write(EntryHeader(type, content.Length));
            using (var zlib = new ZLibStream(entry, CompressionLevel.Fastest, leaveOpen: true))
            {
                zlib.Write(content);
            }

            stored[i] = entry.ToArray();
        });

        var entries = new List<(byte[] Id, long Offset, uint Crc)>(objects.Length);
        for (var i = 0; i < objects.Length; i++)
        {
            // The index keeps a CRC-32 of each entry as stored (header and compressed data), so git can check it before reusing it.
            entries.Add((Convert.FromHexString(objects[i].Key), stream.Position, Crc32.HashToUInt32(stored[i])));
            stream.Write(stored[i]);
        }

        var checksum = Hash(stream.GetBuffer().AsSpan(0, (int)stream.Length));
        stream.Write(checksum);
        return (stream.ToArray(), entries, checksum);
    }

    private byte[] BuildIndex(List<(byte[] Id, long Offset, uint Crc)> entries, byte[] packChecksum)
    {
        entries.Sort((a, b) => a.Id.AsSpan().SequenceCompareTo(b.Id));
        var stream = new MemoryStream();
        var word = new byte[8];
        void Write32(uint value)
        {
            BinaryPrimitives.WriteUInt32BigEndian(word, value);
            stream.Write(word, 0, 4);
        }

        stream.Write([0xff, (byte)'t', (byte)'O', (byte)'c']);
        Write32(2);

        // Fan-out: entry i counts the objects whose first byte is at most i.
        var fanout = new uint[256];
        foreach (var entry in entries)
        {
            fanout[entry.Id[0]]++;
        }

        uint running = 0;
        foreach (var count in fanout)
        {
            running += count;
            Write32(running);
        }

        foreach (var entry in entries)
        {
            stream.Write(entry.Id);
        }

        foreach (var entry in entries)
        {
            Write32(entry.Crc);
        }

        // Offsets past 2 GiB go to a table of 64-bit offsets, pointed at with the high bit set.
        var large = new List<long>();
        foreach (var entry in entries)
        {
            if (entry.Offset < 0x80000000L)
            {
                Write32((uint)entry.Offset);
            }
            else
            {
                Write32(0x80000000u | (uint)large.Count);
                large.Add(entry.Offset);
            }
        }

        foreach (var offset in large)
        {
            BinaryPrimitives.WriteUInt64BigEndian(word, (ulong)offset);
            stream.Write(word, 0, 8);
        }

        stream.Write(packChecksum);
        stream.Write(Hash(stream.GetBuffer().AsSpan(0, (int)stream.Length)));
        return stream.ToArray();
    }

    /// <summary>An entry's header: the type in bits 4-6 of the first byte, then the size, 4 bits and 7 bits at a time, low bits first.</summary>
    private static byte[] EntryHeader(ObjectType type, long size)
    {
        var bytes = new List<byte>(4);
        var current = (byte)(((int)type << 4) | (int)(size & 0x0f));
        size >>= 4;
        while (size != 0)
        {
            bytes.Add((byte)(current | 0x80));
            current = (byte)(size & 0x7f);
            size >>= 7;
        }

        bytes.Add(current);
        return [.. bytes];
    }

    private byte[] Hash(ReadOnlySpan<byte> data) => _hexLength == 64 ? SHA256.HashData(data) : SHA1.HashData(data);

    private static string Name(ObjectType type) => type switch
    {
        ObjectType.Commit => "commit",
        ObjectType.Tree => "tree",
        ObjectType.Blob => "blob",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    private static async Task WriteDurablyAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, useAsync: true);
        await file.WriteAsync(content, cancellationToken);
        file.Flush(flushToDisk: true);
    }

    /// <summary>Packs are named by their checksum, so one already there holds exactly these objects.</summary>
    private static void MoveUnlessPresent(string from, string to)
    {
        try
        {
            if (!File.Exists(to))
            {
                File.Move(from, to, overwrite: false);
            }
        }
        catch (IOException) when (File.Exists(to))
        {
            // written meanwhile by someone else: the same name is the same content
        }
    }
}
