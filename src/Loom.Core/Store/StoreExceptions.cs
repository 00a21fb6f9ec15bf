namespace Loom.Core.Store;

/// <summary>Base of every error the store reports on purpose; the message is meant for a user.</summary>
public class LoomStoreException : Exception
{
    public LoomStoreException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}

/// <summary>A node id that is not in the store.</summary>
public sealed class NodeNotFoundException : LoomStoreException
{
    public NodeNotFoundException(string nodeId)
        : base($"no node with id '{nodeId}' in the loom database") => NodeId = nodeId;

    public string NodeId { get; }
}

/// <summary>A tree id that is not in the store.</summary>
public sealed class TreeNotFoundException : LoomStoreException
{
    public TreeNotFoundException(string treeId)
        : base($"no tree with id '{treeId}' in the loom database") => TreeId = treeId;

    public string TreeId { get; }
}

/// <summary>The file could not be opened as a loom database (not SQLite, corrupt, unreadable).</summary>
public sealed class StoreOpenException : LoomStoreException
{
    public StoreOpenException(string path, string reason, Exception? inner = null)
        : base($"cannot open loom database '{path}': {reason}", inner) => Path = path;

    public string Path { get; }
}

/// <summary>A write was attempted on a store opened read-only (file permissions or a newer schema).</summary>
public sealed class StoreReadOnlyException : LoomStoreException
{
    public StoreReadOnlyException(string path, string reason)
        : base($"the loom database '{path}' is read-only ({reason}); nothing was changed") => Path = path;

    public string Path { get; }
}

/// <summary>A write failed for a reason outside our control (disk full, I/O error); the transaction was rolled back.</summary>
public sealed class StoreWriteException : LoomStoreException
{
    public StoreWriteException(string path, string reason, Exception? inner = null, bool transient = true)
        : base($"could not write to the loom database '{path}': {reason}; nothing was changed", inner)
    {
        Path = path;
        IsTransient = transient;
    }

    public string Path { get; }

    /// <summary>True when the cause can clear by itself (disk full, I/O error, lock); false for a change that can never be written.</summary>
    public bool IsTransient { get; }
}
