namespace Loom.Core.Store;

/// <summary>The basemode-loom v4 schema, exactly, plus Loom's own tables (which basemode-loom ignores).</summary>
internal static class SqliteSchema
{
    public const int UserVersion = 4;

    public const string CreateBasemodeTables = """
        CREATE TABLE IF NOT EXISTS trees (
            id TEXT PRIMARY KEY,
            current_node_id TEXT,
            name TEXT,
            show_model_names INTEGER NOT NULL DEFAULT 1,
            rewind_split_tokens INTEGER NOT NULL DEFAULT 0,
            model_plan_json TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            metadata_json TEXT NOT NULL DEFAULT '{}',
            archived INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS nodes (
            id TEXT PRIMARY KEY,
            tree_id TEXT NOT NULL,
            parent_id TEXT REFERENCES nodes(id) ON DELETE CASCADE,
            kind TEXT NOT NULL DEFAULT 'text',
            text TEXT NOT NULL,
            context_id TEXT REFERENCES nodes(id),
            model TEXT,
            strategy TEXT,
            max_tokens INTEGER,
            temperature REAL,
            checked_out INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            metadata_json TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX IF NOT EXISTS idx_nodes_parent_created ON nodes(parent_id, created_at);
        CREATE INDEX IF NOT EXISTS idx_nodes_tree_created ON nodes(tree_id, created_at);
        CREATE UNIQUE INDEX IF NOT EXISTS idx_nodes_one_checked_out_child ON nodes(parent_id)
            WHERE checked_out = 1 AND parent_id IS NOT NULL;
        """;

    public const string CreateLoomTables = """
        CREATE TABLE IF NOT EXISTS loom_document_bindings (
            uri TEXT PRIMARY KEY,
            tree_id TEXT NOT NULL,
            node_id TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS idx_loom_bindings_tree ON loom_document_bindings(tree_id);
        CREATE VIRTUAL TABLE IF NOT EXISTS loom_nodes_fts USING fts5(text, content='', contentless_delete=1, tokenize='trigram');
        """;

    /// <summary>Our own tables; when all are there (and the version is ours) opening writes nothing.</summary>
    public static readonly string[] LoomTables = ["loom_document_bindings", "loom_nodes_fts"];

    public const string NodeColumns =
        "id, tree_id, parent_id, kind, text, context_id, model, strategy, max_tokens, temperature, checked_out, created_at, metadata_json";
}
