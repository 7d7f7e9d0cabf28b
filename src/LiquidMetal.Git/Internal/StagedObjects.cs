using System.Collections.Concurrent;
using LibGit2Sharp;

namespace LiquidMetal.Git.Internal;

/// <summary>
/// An object store in memory, added in front of a repository's own for one commit: what libgit2 writes (the blobs,
/// trees and commit the repository does not hold yet) stays here until it is stored as a pack, and nothing reaches
/// the mirror's folder before then. libgit2 itself has this as "mempack"; LibGit2Sharp exposes only custom backends.
/// One backend belongs to one repository handle (the handle frees it), for as long as the handle lives; handles
/// working on one commit from several threads share its objects (<see cref="Objects"/>, set for each commit).
/// </summary>
internal sealed class StagedObjects : OdbBackend
{
    private ConcurrentDictionary<ObjectId, (ObjectType Type, byte[] Content)> _objects = new();

    /// <summary>The objects of the commit being written (an empty set between commits).</summary>
    public ConcurrentDictionary<ObjectId, (ObjectType Type, byte[] Content)> Objects
    {
        get => Volatile.Read(ref _objects);
        set => Volatile.Write(ref _objects, value);
    }

    protected override OdbBackendOperations SupportedOperations =>
        OdbBackendOperations.Read | OdbBackendOperations.ReadHeader | OdbBackendOperations.Write | OdbBackendOperations.Exists;

    public override int Read(ObjectId id, out UnmanagedMemoryStream data, out ObjectType objectType)
    {
        if (Objects.TryGetValue(id, out var found))
        {
            data = AllocateAndBuildFrom(found.Content);
            objectType = found.Type;
            return (int)ReturnCode.GIT_OK;
        }

        data = null!;
        objectType = default;
        return (int)ReturnCode.GIT_ENOTFOUND;
    }

    public override int ReadHeader(ObjectId id, out int length, out ObjectType objectType)
    {
        if (Objects.TryGetValue(id, out var found))
        {
            length = found.Content.Length;
            objectType = found.Type;
            return (int)ReturnCode.GIT_OK;
        }

        length = 0;
        objectType = default;
        return (int)ReturnCode.GIT_ENOTFOUND;
    }

    public override int Write(ObjectId id, Stream dataStream, long length, ObjectType objectType)
    {
        var content = new byte[length];
        dataStream.ReadExactly(content);
        Objects.TryAdd(id, (objectType, content));
        return (int)ReturnCode.GIT_OK;
    }

    public override bool Exists(ObjectId id) => Objects.ContainsKey(id);

    // Lookups by abbreviated id, streams and enumeration are not offered (SupportedOperations): libgit2 asks the
    // repository's own stores for those, and the staged objects are always named in full.
    public override int ReadPrefix(string shortSha, out ObjectId oid, out UnmanagedMemoryStream data, out ObjectType objectType) =>
        throw new NotSupportedException();

    public override int ReadStream(ObjectId id, out OdbBackendStream stream) => throw new NotSupportedException();

    public override int WriteStream(long length, ObjectType objectType, out OdbBackendStream stream) => throw new NotSupportedException();

    public override int ExistsPrefix(string shortSha, out ObjectId found) => throw new NotSupportedException();

    public override int ForEach(ForEachCallback callback) => throw new NotSupportedException();
}
