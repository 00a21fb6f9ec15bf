using System.Collections.Immutable;
using System.Text;
using Loom.Core.Tree;
using Microsoft.Data.Sqlite;

namespace Loom.Core.Store;

/// <summary>
/// The default store: one SQLite file in basemode-loom's v4 schema. One long-lived connection
/// (WAL, busy_timeout, foreign keys), guarded by a lock so any thread may call; every write is one
/// transaction. Descendant counts are cached per node and invalidated along the lineage of every
/// structural change, and wholesale when another connection commits (<c>PRAGMA data_version</c>).
/// </summary>
public sealed partial class SqliteLoomStore : ILoomStore
{
    private static ReadOnlySpan<byte> SqliteMagic => "SQLite format 3\0"u8;

    private readonly object _gate = new();
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _descendantCounts = new(StringComparer.Ordinal);
    // Parent links seen by reads, so invalidating counts along a lineage rarely needs a query.
    private readonly Dictionary<string, string?> _parentOf = new(StringComparer.Ordinal);
    private readonly ChildrenCache _children = new();
    // Nodes whose text changed since the search index was last brought up to date (indexed lazily, at search time).
    private readonly HashSet<string> _searchDirty = new(StringComparer.Ordinal);
    private bool _searchIndexUnverified = true;
    private readonly string? _readOnlyReason;
    private SqliteTransaction? _transaction;
    private long _seenDataVersion;
    private bool _disposed;

    private SqliteLoomStore(string path, SqliteConnection connection, string? readOnlyReason, string? warning)
    {
        Location = path;
        _connection = connection;
        _readOnlyReason = readOnlyReason;
        OpenWarning = warning;
        _seenDataVersion = ReadDataVersion();
    }

    public string Location { get; }

    public bool IsReadOnly => _readOnlyReason is not null;

    public string? OpenWarning { get; }

    public long DataVersion
    {
        get
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                return ReadDataVersion();
            }
        }
    }

    /// <summary>
    /// Opens (or creates) a loom database. A file that is not SQLite, is corrupt or cannot be read gives a
    /// <see cref="StoreOpenException"/> naming the path and leaves the file untouched. A read-only file, or
    /// one whose schema is newer than ours, is opened read-only with <see cref="OpenWarning"/> saying why.
    /// </summary>
    public static SqliteLoomStore Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        var exists = File.Exists(fullPath);
        string? readOnlyReason = null;
        if (exists)
        {
            CheckHeader(fullPath);
            if (!CanWrite(fullPath))
            {
                readOnlyReason = "the file is not writable";
            }
        }
        else
        {
            var dir = Path.GetDirectoryName(fullPath);
            if (!string.IsNullOrEmpty(dir))
            {
                try
                {
                    Directory.CreateDirectory(dir);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new StoreOpenException(fullPath, "its folder cannot be created: " + e.Message, e);
                }
            }
        }

        var connection = Connect(fullPath, readOnlyReason is not null);
        try
        {
            // One statement, so one snapshot: another process creating the schema at this moment is seen
            // either not at all or whole (never tables without their user_version).
            long version;
            bool hasNodes;
            using (var probe = connection.CreateCommand())
            {
                probe.CommandText = "SELECT (SELECT user_version FROM pragma_user_version), " +
                                    "(SELECT count(*) FROM sqlite_master WHERE type='table' AND name='nodes')";
                using var r = probe.ExecuteReader();
                r.Read();
                version = r.GetInt64(0);
                hasNodes = r.GetInt64(1) > 0;
            }
            string? warning = null;
            if (version > SqliteSchema.UserVersion)
            {
                if (readOnlyReason is null)
                {
                    connection.Dispose();
                    connection = Connect(fullPath, readOnly: true);
                }
                readOnlyReason ??= $"its schema version {version} is newer than this Loom understands ({SqliteSchema.UserVersion})";
                warning = $"The loom database '{fullPath}' was written by a newer version (schema {version}); it is open read-only.";
            }
            else if (version is > 0 and < SqliteSchema.UserVersion || (version == 0 && hasNodes))
            {
                throw new StoreOpenException(fullPath, $"its schema version {version} is older than {SqliteSchema.UserVersion}; open it once with basemode-loom to upgrade it");
            }
            else if (readOnlyReason is null)
            {
                Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
                var ready = version == SqliteSchema.UserVersion &&
                    ScalarLong(connection, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('" +
                        string.Join("','", SqliteSchema.LoomTables) + "')") == SqliteSchema.LoomTables.Length;
                if (ready)
                {
                    return new SqliteLoomStore(fullPath, connection, null, null);
                }
                using var tx = connection.BeginTransaction();
                using (var cmd = connection.CreateCommand())
                {
                    cmd.Transaction = tx;
                    cmd.CommandText = SqliteSchema.CreateBasemodeTables + SqliteSchema.CreateLoomTables +
                        $"PRAGMA user_version = {SqliteSchema.UserVersion};";
                    cmd.ExecuteNonQuery();
                }
                tx.Commit();
            }
            else
            {
                warning = $"The loom database '{fullPath}' is read-only ({readOnlyReason}): reading works, changes will be refused.";
                if (!hasNodes)
                {
                    throw new StoreOpenException(fullPath, "it is read-only and has no loom tables yet");
                }
            }
            return new SqliteLoomStore(fullPath, connection, readOnlyReason, warning);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new StoreOpenException(fullPath, DescribeOpenError(e), e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void CheckHeader(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (file.Length == 0)
            {
                return;
            }
            Span<byte> header = stackalloc byte[16];
            var read = file.ReadAtLeast(header, 16, throwOnEndOfStream: false);
            if (read < 16 || !header.SequenceEqual(SqliteMagic))
            {
                throw new StoreOpenException(path, "it is not a SQLite database");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreOpenException(path, "it cannot be read: " + e.Message, e);
        }
    }

    private static bool CanWrite(string path)
    {
        try
        {
            using var _ = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            var dir = Path.GetDirectoryName(path);
            // WAL needs to create -wal and -shm files beside the database.
            return dir is null || DirectoryWritable(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool DirectoryWritable(string dir)
    {
        var probe = Path.Combine(dir, $".loom-write-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static SqliteConnection Connect(string path, bool readOnly)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            Cache = SqliteCacheMode.Private,
            DefaultTimeout = 30,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;");
            ScalarLong(connection, "PRAGMA schema_version");
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new StoreOpenException(path, DescribeOpenError(e), e);
        }
        return connection;
    }

    private static string DescribeOpenError(SqliteException e) => e.SqliteErrorCode switch
    {
        26 => "it is not a SQLite database",
        11 => "the database file is corrupt",
        14 => "it cannot be opened",
        _ => e.Message,
    };

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static long ScalarLong(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            // Leave the search index true to the text for the next process that opens the file.
            // (A bulk write such as an import changes the node count, which makes the next search rebuild anyway.)
            if (!IsReadOnly && _searchDirty.Count is > 0 and <= MaxIncrementalIndexing)
            {
                TryUpdateSearchIndex();
            }
            _disposed = true;
            foreach (var cmd in _commands.Values)
            {
                cmd.Dispose();
            }
            _commands.Clear();
            _connection.Dispose();
        }
    }

    /// <summary>
    /// Caps how large this connection lets the file grow, in pages (SQLite's <c>max_page_count</c>). Writes past
    /// the cap fail exactly as on a full disk, which is how the fault tests make one.
    /// </summary>
    public void SetMaxPageCount(long pages)
    {
        lock (_gate)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = $"PRAGMA max_page_count = {pages}";
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>The file's current size in pages.</summary>
    public long PageCount
    {
        get
        {
            lock (_gate)
            {
                return (long)Command("PRAGMA page_count").ExecuteScalar()!;
            }
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private long ReadDataVersion()
    {
        var cmd = Command("PRAGMA data_version");
        return (long)(cmd.ExecuteScalar() ?? 0L);
    }

    /// <summary>Caller holds the lock. Drops caches when another connection has committed since we last looked.</summary>
    private void SyncWithOtherWriters()
    {
        ThrowIfDisposed();
        var version = ReadDataVersion();
        if (version != _seenDataVersion)
        {
            _seenDataVersion = version;
            _descendantCounts.Clear();
            _parentOf.Clear();
            _children.Clear();
            _searchIndexUnverified = true;
        }
    }

    private SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            cmd = _connection.CreateCommand();
            cmd.CommandText = sql;
            _commands[sql] = cmd;
        }
        cmd.Transaction = _transaction;
        return cmd;
    }

    /// <summary>The cached command for <paramref name="sql"/> with its parameters (created once, then only their values set).</summary>
    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = Command(sql);
        var reuse = cmd.Parameters.Count == parameters.Length;
        for (var i = 0; reuse && i < parameters.Length; i++)
        {
            reuse = cmd.Parameters[i].ParameterName == parameters[i].Name;
        }
        if (!reuse)
        {
            cmd.Parameters.Clear();
            foreach (var (name, _) in parameters)
            {
                cmd.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
        }
        for (var i = 0; i < parameters.Length; i++)
        {
            cmd.Parameters[i].Value = parameters[i].Value ?? DBNull.Value;
        }
        return cmd;
    }

    private T Read<T>(Func<T> read)
    {
        lock (_gate)
        {
            SyncWithOtherWriters();
            try
            {
                return read();
            }
            catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26)
            {
                throw new StoreOpenException(Location, DescribeOpenError(e), e);
            }
        }
    }

    private static Node ReadNode(SqliteDataReader r, int o = 0) => new(
        r.GetString(o),
        r.GetString(o + 1),
        r.IsDBNull(o + 2) ? null : r.GetString(o + 2),
        NodeKinds.Parse(r.IsDBNull(o + 3) ? null : r.GetString(o + 3)),
        r.IsDBNull(o + 4) ? string.Empty : r.GetString(o + 4),
        r.IsDBNull(o + 5) ? null : r.GetString(o + 5),
        r.IsDBNull(o + 6) ? null : r.GetString(o + 6),
        r.IsDBNull(o + 7) ? null : r.GetString(o + 7),
        r.IsDBNull(o + 8) ? null : (int)r.GetInt64(o + 8),
        r.IsDBNull(o + 9) ? null : r.GetDouble(o + 9),
        !r.IsDBNull(o + 10) && r.GetInt64(o + 10) != 0,
        r.IsDBNull(o + 11) ? string.Empty : r.GetString(o + 11),
        NodeMetadata.Parse(r.IsDBNull(o + 12) ? null : r.GetString(o + 12)));

    private List<Node> ReadNodes(SqliteCommand cmd)
    {
        var list = new List<Node>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add(Remember(ReadNode(r)));
        }
        return list;
    }

    private Node Remember(Node node)
    {
        if (node.Kind != NodeKind.Context)
        {
            _parentOf[node.Id] = node.ParentId;
        }
        return node;
    }

    private static TreeRecord ReadTree(SqliteDataReader r) => new(
        r.GetString(0),
        r.IsDBNull(1) ? null : r.GetString(1),
        r.IsDBNull(2) ? null : r.GetString(2),
        r.GetInt64(3) != 0,
        r.GetInt64(4) != 0,
        ModelPlanEntry.ParseJson(r.IsDBNull(5) ? null : r.GetString(5)),
        r.GetString(6),
        r.GetString(7),
        NodeMetadata.Parse(r.IsDBNull(8) ? null : r.GetString(8)),
        r.GetInt64(9) != 0);

    private const string TreeColumns =
        "id, current_node_id, name, show_model_names, rewind_split_tokens, model_plan_json, created_at, updated_at, metadata_json, archived";

    public TreeRecord GetTree(string treeId) => TryGetTree(treeId) ?? throw new TreeNotFoundException(treeId);

    public TreeRecord? TryGetTree(string treeId) => Read(() =>
    {
        using var r = Command($"SELECT {TreeColumns} FROM trees WHERE id=$id", ("$id", treeId)).ExecuteReader();
        return r.Read() ? ReadTree(r) : null;
    });

    public IReadOnlyList<TreeSummary> ListTrees() => Read(() =>
    {
        var cmd = Command("""
            SELECT t.id, t.name, substr(coalesce(r.text, ''), 1, 80), t.updated_at,
                   (SELECT count(*) FROM nodes n WHERE n.tree_id = t.id AND n.kind != 'context')
            FROM trees t LEFT JOIN nodes r ON r.id = t.id
            ORDER BY t.updated_at DESC, t.id
            """);
        var list = new List<TreeSummary>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add(new TreeSummary(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), (int)r.GetInt64(4), r.GetString(3)));
        }
        return list;
    });

    public Node GetNode(string nodeId) => TryGetNode(nodeId) ?? throw new NodeNotFoundException(nodeId);

    public Node? TryGetNode(string nodeId) => Read(() => TryGetNodeLocked(nodeId));

    private Node? TryGetNodeLocked(string nodeId)
    {
        using var r = Command($"SELECT {SqliteSchema.NodeColumns} FROM nodes WHERE id=$id", ("$id", nodeId)).ExecuteReader();
        return r.Read() ? ReadNode(r) : null;
    }

    public IReadOnlyList<Node> GetLineage(string nodeId) => Read(() =>
    {
        // Sorting rows that carry the whole path text is slow in SQLite; sort by depth here instead.
        var rows = new List<(long Depth, Node Node)>();
        using (var r = Command($"""
            WITH RECURSIVE chain(id, parent_id, depth) AS (
                SELECT id, parent_id, 0 FROM nodes WHERE id = $id
                UNION ALL
                SELECT n.id, n.parent_id, c.depth + 1 FROM nodes n JOIN chain c ON n.id = c.parent_id
            )
            SELECT {Prefixed("n")}, c.depth FROM chain c CROSS JOIN nodes n ON n.id = c.id
            WHERE n.kind != 'context'
            """, ("$id", nodeId)).ExecuteReader())
        {
            while (r.Read())
            {
                rows.Add((r.GetInt64(13), Remember(ReadNode(r))));
            }
        }
        rows.Sort((a, b) => b.Depth.CompareTo(a.Depth));
        var list = rows.Select(x => x.Node).ToList();
        if (list.Count == 0 || list[^1].Id != nodeId)
        {
            throw new NodeNotFoundException(nodeId);
        }
        return list;
    });

    private static string Prefixed(string alias) =>
        string.Join(", ", SqliteSchema.NodeColumns.Split(", ").Select(c => alias + "." + c));

    private List<string> LineageIdsLocked(string nodeId)
    {
        var cmd = Command("""
            WITH RECURSIVE chain(id, parent_id) AS (
                SELECT id, parent_id FROM nodes WHERE id = $id
                UNION ALL
                SELECT n.id, n.parent_id FROM nodes n JOIN chain c ON n.id = c.parent_id
            )
            SELECT id FROM chain
            """, ("$id", nodeId));
        var ids = new List<string>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            ids.Add(r.GetString(0));
        }
        return ids;
    }

    public IReadOnlyList<Node> GetCheckedOutPath(string nodeId) => Read(() => ReadNodes(Command($"""
        WITH RECURSIVE chain(id, depth) AS (
            SELECT id, 0 FROM nodes WHERE parent_id = $id AND checked_out = 1 AND kind != 'context'
            UNION ALL
            SELECT n.id, c.depth + 1 FROM nodes n JOIN chain c ON n.parent_id = c.id WHERE n.checked_out = 1 AND n.kind != 'context'
        )
        SELECT {Prefixed("n")} FROM chain c CROSS JOIN nodes n ON n.id = c.id ORDER BY c.depth
        """, ("$id", nodeId))));

    public IReadOnlyList<Node> GetChildren(string parentId) => Read(() =>
    {
        if (_transaction is not null)
        {
            // Inside a write the cache does not yet know this transaction's changes (applied at commit).
            return (IReadOnlyList<Node>)ChildrenLocked(parentId);
        }
        if (!_children.TryGet(parentId, out var children))
        {
            children = ChildrenLocked(parentId).ToArray();
            _children.Put(parentId, children);
        }
        return Array.AsReadOnly(children);
    });

    public IReadOnlyDictionary<string, int> GetChildCounts(IReadOnlyCollection<string> nodeIds) => Read(() =>
    {
        var result = nodeIds.Distinct(StringComparer.Ordinal).ToDictionary(id => id, _ => 0, StringComparer.Ordinal);
        if (result.Count == 0)
        {
            return (IReadOnlyDictionary<string, int>)result;
        }
        var ids = new System.Text.Json.Nodes.JsonArray(result.Keys.Select(k => (System.Text.Json.Nodes.JsonNode?)k).ToArray()).ToJsonString();
        using var r = Command("""
            SELECT parent_id, count(*) FROM nodes
            WHERE parent_id IN (SELECT value FROM json_each($ids)) AND kind != 'context'
            GROUP BY parent_id
            """, ("$ids", ids)).ExecuteReader();
        while (r.Read())
        {
            result[r.GetString(0)] = (int)r.GetInt64(1);
        }
        return result;
    });

    private List<Node> ChildrenLocked(string parentId) => ReadNodes(Command(
        $"SELECT {SqliteSchema.NodeColumns} FROM nodes WHERE parent_id = $p AND kind != 'context' ORDER BY created_at, id",
        ("$p", parentId)));

    public IReadOnlyDictionary<string, int> GetChildDescendantCounts(string parentId) => Read(() =>
    {
        var childIds = ChildIdsLocked(parentId);
        var result = new Dictionary<string, int>(childIds.Count, StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var id in childIds)
        {
            if (_descendantCounts.TryGetValue(id, out var n))
            {
                result[id] = n;
            }
            else
            {
                missing.Add(id);
            }
        }
        if (missing.Count > 0)
        {
            foreach (var id in missing)
            {
                var count = CountDescendantsLocked(id);
                _descendantCounts[id] = count;
                result[id] = count;
            }
        }
        return result;
    });

    /// <summary>The ids of a node's children, from the children cache when it holds them.</summary>
    private List<string> ChildIdsLocked(string parentId)
    {
        if (_transaction is null && _children.TryGet(parentId, out var cached))
        {
            return cached.Select(n => n.Id).ToList();
        }
        var childIds = new List<string>();
        using var r = Command("SELECT id FROM nodes WHERE parent_id = $p AND kind != 'context'", ("$p", parentId)).ExecuteReader();
        while (r.Read())
        {
            childIds.Add(r.GetString(0));
        }
        return childIds;
    }

    /// <summary>A node's descendant count: the sum over its children (cached where known) plus one each.</summary>
    private int CountDescendantsLocked(string nodeId)
    {
        var children = ChildIdsLocked(nodeId);
        var total = 0;
        foreach (var child in children)
        {
            if (!_descendantCounts.TryGetValue(child, out var n))
            {
                n = (int)(long)(Command("""
                    WITH RECURSIVE d(id) AS (
                        SELECT id FROM nodes WHERE parent_id = $p AND kind != 'context'
                        UNION ALL
                        SELECT n.id FROM nodes n JOIN d ON n.parent_id = d.id WHERE n.kind != 'context'
                    )
                    SELECT count(*) FROM d
                    """, ("$p", child)).ExecuteScalar() ?? 0L);
                _descendantCounts[child] = n;
            }
            total += n + 1;
        }
        return total;
    }

    public IReadOnlyList<Node> GetTreeNodes(string treeId) => Read(() => ReadNodes(Command(
        $"SELECT {SqliteSchema.NodeColumns} FROM nodes WHERE tree_id = $t ORDER BY created_at, id", ("$t", treeId))));

    public IReadOnlyList<Node> GetBookmarks(string treeId) => Read(() =>
    {
        var all = ReadNodes(Command($"""
            SELECT {SqliteSchema.NodeColumns} FROM nodes
            WHERE tree_id = $t AND kind != 'context' AND json_valid(metadata_json) AND json_extract(metadata_json, '$.bookmarked') = 1
            """, ("$t", treeId)));
        if (all.Count <= 1)
        {
            return all;
        }
        // Tree order: compare the paths of creation timestamps from the root (depth-first, child order).
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in all)
        {
            var lineage = ReadNodes(Command($"""
                WITH RECURSIVE chain(id, parent_id, depth) AS (
                    SELECT id, parent_id, 0 FROM nodes WHERE id = $id
                    UNION ALL
                    SELECT n.id, n.parent_id, c.depth + 1 FROM nodes n JOIN chain c ON n.id = c.parent_id
                )
                SELECT {Prefixed("n")} FROM chain c CROSS JOIN nodes n ON n.id = c.id ORDER BY c.depth DESC
                """, ("$id", node.Id)));
            keys[node.Id] = string.Join("\u0001", lineage.Select(n => n.CreatedAt + "\u0002" + n.Id));
        }
        return all.OrderBy(n => keys[n.Id], StringComparer.Ordinal).ToList();
    });

    public Node? GetContextNode(string treeId) => Read(() =>
    {
        // The root points at its context; a context node nothing points at is found by kind as a fallback.
        using (var r = Command($"SELECT {Prefixed("c")} FROM nodes root CROSS JOIN nodes c ON c.id = root.context_id WHERE root.id = $t", ("$t", treeId)).ExecuteReader())
        {
            if (r.Read())
            {
                return ReadNode(r);
            }
        }
        return null;
    });

    public string SampleText(string preferTreeId, int maxChars) => Read(() =>
    {
        var sb = new StringBuilder();
        foreach (var sql in new[]
        {
            "SELECT text FROM nodes WHERE tree_id = $t AND kind != 'context' ORDER BY created_at DESC LIMIT 2000",
            "SELECT text FROM nodes WHERE tree_id != $t AND kind != 'context' ORDER BY created_at DESC LIMIT 2000",
        })
        {
            using var r = Command(sql, ("$t", preferTreeId)).ExecuteReader();
            while (r.Read() && sb.Length < maxChars)
            {
                var text = r.GetString(0);
                sb.Append(text.AsSpan(0, Math.Min(text.Length, maxChars - sb.Length))).Append('\n');
            }
        }
        return sb.ToString();
    });

    public DocumentBinding? GetBinding(string uri) => Read(() =>
    {
        using var r = Command("SELECT uri, tree_id, node_id, updated_at FROM loom_document_bindings WHERE uri = $u", ("$u", uri)).ExecuteReader();
        return r.Read() ? new DocumentBinding(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3)) : null;
    });

    public IReadOnlyList<string> GetBoundUris(string treeId) => Read(() =>
    {
        var list = new List<string>();
        using var r = Command("SELECT uri FROM loom_document_bindings WHERE tree_id = $t ORDER BY uri", ("$t", treeId)).ExecuteReader();
        while (r.Read())
        {
            list.Add(r.GetString(0));
        }
        return (IReadOnlyList<string>)list;
    });

    /// <summary>
    /// Case-insensitive substring search over every node's text. Queries of three or more characters use the
    /// FTS5 trigram index in our own table (brought up to date here: lazily for our writes, by a rebuild when
    /// another program changed the node count); shorter ones, or a read-only store, scan.
    /// </summary>
    public IReadOnlyList<NodeSearchHit> Search(string query, int limit)
    {
        var list = new List<NodeSearchHit>();
        if (string.IsNullOrEmpty(query) || limit <= 0)
        {
            return list;
        }
        var indexed = query.Length >= 3 && !IsReadOnly && TryUpdateSearchIndex();
        return Read(() =>
        {
            using var r = indexed
                ? Command("""
                    SELECT n.id, n.tree_id, n.text FROM loom_nodes_fts f CROSS JOIN nodes n ON n.rowid = f.rowid
                    WHERE f.text MATCH $q AND n.kind != 'context'
                    ORDER BY n.created_at DESC LIMIT $limit
                    """, ("$q", "\"" + query.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""), ("$limit", limit)).ExecuteReader()
                : Command("""
                    SELECT id, tree_id, text FROM nodes
                    WHERE kind != 'context' AND instr(lower(text), lower($q)) > 0
                    ORDER BY created_at DESC LIMIT $limit
                    """, ("$q", query), ("$limit", limit)).ExecuteReader();
            while (r.Read())
            {
                list.Add(new NodeSearchHit(r.GetString(0), r.GetString(1), r.GetString(2)));
            }
            return (IReadOnlyList<NodeSearchHit>)list;
        });
    }

    private const int MaxIncrementalIndexing = 1_000;

    /// <summary>Indexes changed nodes (and rebuilds the index when it lost count); false when it cannot.</summary>
    private bool TryUpdateSearchIndex()
    {
        try
        {
            lock (_gate)
            {
                SyncWithOtherWriters();
                var rebuild = _searchDirty.Count > MaxIncrementalIndexing;
                if (_searchIndexUnverified || rebuild)
                {
                    var nodes = (long)Command("SELECT count(*) FROM nodes WHERE kind != 'context'").ExecuteScalar()!;
                    var indexed = (long)Command("SELECT count(*) FROM loom_nodes_fts").ExecuteScalar()!;
                    if (rebuild || nodes != indexed)
                    {
                        Write(w =>
                        {
                            Command("DELETE FROM loom_nodes_fts").ExecuteNonQuery();
                            Command("INSERT INTO loom_nodes_fts(rowid, text) SELECT rowid, text FROM nodes WHERE kind != 'context'").ExecuteNonQuery();
                            return 0;
                        });
                        _searchDirty.Clear();
                    }
                    _searchIndexUnverified = false;
                }
                if (_searchDirty.Count > 0)
                {
                    var dirty = _searchDirty.ToList();
                    Write(w =>
                    {
                        foreach (var id in dirty)
                        {
                            Command("DELETE FROM loom_nodes_fts WHERE rowid = (SELECT rowid FROM nodes WHERE id = $id)", ("$id", id)).ExecuteNonQuery();
                            Command("INSERT INTO loom_nodes_fts(rowid, text) SELECT rowid, text FROM nodes WHERE id = $id AND kind != 'context'", ("$id", id)).ExecuteNonQuery();
                        }
                        return 0;
                    });
                    _searchDirty.ExceptWith(dirty);
                }
                return true;
            }
        }
        catch (LoomStoreException)
        {
            return false;
        }
    }


    public T Write<T>(Func<IStoreWriter, T> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        lock (_gate)
        {
            SyncWithOtherWriters();
            if (_readOnlyReason is not null)
            {
                throw new StoreReadOnlyException(Location, _readOnlyReason);
            }
            if (_transaction is not null)
            {
                throw new InvalidOperationException("Write calls do not nest");
            }
            var writer = new Writer(this);
            try
            {
                _transaction = _connection.BeginTransaction(deferred: false);
                // Holding the write lock now, no other process can commit until we end: what it committed
                // before drops our caches here, and our own commit leaves data_version as it is.
                SyncWithOtherWriters();
                var result = write(writer);
                writer.InvalidateChangedCounts();
                _transaction.Commit();
                writer.ChildrenChanges.ApplyTo(_children);
                return result;
            }
            catch (SqliteException e)
            {
                TryRollback();
                _descendantCounts.Clear();
                _children.Clear();
                throw e.SqliteErrorCode switch
                {
                    8 => new StoreReadOnlyException(Location, "the file or its folder cannot be written"),
                    13 => new StoreWriteException(Location, "the disk is full", e),
                    10 => new StoreWriteException(Location, "an I/O error occurred", e),
                    5 or 6 => new StoreWriteException(Location, "another program kept the database locked for too long", e),
                    19 => new StoreWriteException(Location, "the change would break the tree's integrity (" + e.Message + ")", e, transient: false),
                    _ => new StoreWriteException(Location, e.Message, e, transient: false),
                };
            }
            catch
            {
                TryRollback();
                _descendantCounts.Clear();
                _children.Clear();
                throw;
            }
            finally
            {
                _transaction?.Dispose();
                _transaction = null;
                // No re-read of data_version here: another process may commit between our commit and that
                // read, and taking its version without dropping caches would hide its change.
            }
        }
    }

    private void TryRollback()
    {
        try
        {
            _transaction?.Rollback();
        }
        catch (SqliteException)
        {
            // The transaction may already be gone (e.g. after SQLITE_FULL); nothing to undo then.
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>Drops cached descendant counts of <paramref name="nodeId"/> and all its ancestors.</summary>
    private void InvalidateCountsFrom(string? nodeId)
    {
        if (nodeId is null || _descendantCounts.Count == 0)
        {
            return;
        }
        var id = nodeId;
        while (id is not null)
        {
            _descendantCounts.Remove(id);
            if (!_parentOf.TryGetValue(id, out var parent))
            {
                foreach (var ancestor in LineageIdsLocked(id))
                {
                    _descendantCounts.Remove(ancestor);
                }
                return;
            }
            id = parent;
        }
    }

    /// <summary>Keeps the parent map in step with a write (null parent: the node is gone).</summary>
    private void ForgetOrMoveParent(string nodeId, string? newParent, bool deleted)
    {
        if (deleted)
        {
            _parentOf.Remove(nodeId);
        }
        else
        {
            _parentOf[nodeId] = newParent;
        }
    }
}
