using Microsoft.Data.Sqlite;

namespace Loom.Reliability.Tests.Support;

/// <summary>One node row as the file holds it (read with plain SQL, independent of Loom's store code).</summary>
public sealed record DbNode(string Id, string TreeId, string? ParentId, string Kind, string Text, string? Model, string Metadata);

/// <summary>Reads a loom database file the way a fresh process would after a crash: a new connection, no pooling.</summary>
public sealed class Db
{
    private Db(string integrity, Dictionary<string, DbNode> nodes, Dictionary<string, string?> currentNodes, Dictionary<string, (string TreeId, string NodeId)> bindings)
    {
        Integrity = integrity;
        Nodes = nodes;
        CurrentNodes = currentNodes;
        Bindings = bindings;
    }

    /// <summary>The result of <c>PRAGMA integrity_check</c> ("ok" when sound).</summary>
    public string Integrity { get; }

    public IReadOnlyDictionary<string, DbNode> Nodes { get; }

    /// <summary>trees.id -> trees.current_node_id.</summary>
    public IReadOnlyDictionary<string, string?> CurrentNodes { get; }

    /// <summary>Document bindings (uri -> tree, node).</summary>
    public IReadOnlyDictionary<string, (string TreeId, string NodeId)> Bindings { get; }

    public static SqliteConnection Connect(string path, bool readOnly = true)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA busy_timeout = 10000";
        cmd.ExecuteNonQuery();
        return c;
    }

    public static Db Read(string path)
    {
        // Read-write so that a WAL left by a killed process is recovered, exactly as the next server would.
        using var c = Connect(path, readOnly: false);
        string integrity;
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "PRAGMA integrity_check";
            using var r = cmd.ExecuteReader();
            var lines = new List<string>();
            while (r.Read())
            {
                lines.Add(r.GetString(0));
            }
            integrity = string.Join("; ", lines);
        }
        var nodes = new Dictionary<string, DbNode>(StringComparer.Ordinal);
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT id, tree_id, parent_id, kind, text, model, metadata_json FROM nodes";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var n = new DbNode(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4),
                    r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6));
                nodes[n.Id] = n;
            }
        }
        var current = new Dictionary<string, string?>(StringComparer.Ordinal);
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT id, current_node_id FROM trees";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                current[r.GetString(0)] = r.IsDBNull(1) ? null : r.GetString(1);
            }
        }
        var bindings = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        try
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT uri, tree_id, node_id FROM loom_document_bindings";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                bindings[r.GetString(0)] = (r.GetString(1), r.GetString(2));
            }
        }
        catch (SqliteException)
        {
            // No bindings table yet.
        }
        return new Db(integrity, nodes, current, bindings);
    }

    /// <summary>The text of the path root..node (context nodes excluded), as the buffer shows it.</summary>
    public string PathText(string nodeId)
    {
        var parts = new List<string>();
        for (var id = nodeId; id is not null;)
        {
            var n = Nodes[id];
            if (n.Kind != "context")
            {
                parts.Add(n.Text);
            }
            id = n.ParentId;
        }
        parts.Reverse();
        return string.Concat(parts);
    }

    /// <summary>True when some node's path text equals <paramref name="text"/>.</summary>
    public bool HasPathWithText(string text) => Nodes.Values.Any(n => n.Kind != "context" && PathText(n.Id) == text);

    /// <summary>True when some node's path text starts with <paramref name="text"/> (typed text kept, perhaps extended since).</summary>
    public bool HasPathStartingWith(string text) => Nodes.Values.Any(n => n.Kind != "context" && PathText(n.Id).StartsWith(text, StringComparison.Ordinal));

    public IEnumerable<DbNode> ChildrenOf(string id) => Nodes.Values.Where(n => n.ParentId == id && n.Kind != "context");
}
