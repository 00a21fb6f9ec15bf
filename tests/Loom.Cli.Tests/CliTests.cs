using System.Text.RegularExpressions;

namespace Loom.Cli.Tests;

public class CliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private string ImportFixture(string name)
    {
        var r = _cli.Run("import", CliRunner.Fixture(name));
        Assert.Equal(0, r.ExitCode);
        var m = Regex.Match(r.Out, "^imported .* as ([0-9a-f]{32})$", RegexOptions.Multiline);
        Assert.True(m.Success, r.Out + r.Err);
        return m.Groups[1].Value;
    }

    [Theory]
    [InlineData("--help", "import")]
    [InlineData("import --help", "--format")]
    [InlineData("export --help", "--output")]
    [InlineData("list --help", "--db")]
    [InlineData("show --help", "--depth")]
    [InlineData("generate --help", "--branches")]
    [InlineData("path --help", "NODE")]
    public void Help_everywhere(string args, string expected)
    {
        var r = _cli.Run(args.Split(' '));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(expected, r.Out);
        Assert.Equal("", r.Err);
    }

    [Fact]
    public void Import_then_list_show_path_and_export()
    {
        var id = ImportFixture("basemode-current.json");
        Assert.Equal("a0000000000000000000000000000001", id);

        var list = _cli.Run("list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains(id, list.Out);
        Assert.Contains("basemode-current", list.Out);

        var show = _cli.Run("show", "basemode-current");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("├── ●★ a0000000 “ Seven today.” [example/base-7b]", show.Out);
        Assert.Contains("│   └── ● a0000000 “ He wrote it down. 🐦”  ◀ current", show.Out);
        Assert.Contains("└── ○ a0000000 “ None came back.”", show.Out);
        Assert.Contains("context: You write quiet lighthouse stories.", show.Out);

        var shallow = _cli.Run("show", id[..6], "--depth", "0");
        Assert.Contains("… 3 more nodes below", shallow.Out);

        var path = _cli.Run("path", "a0000000000000000000000000000004");
        Assert.Equal(0, path.ExitCode);
        Assert.Equal("The keeper counted gulls. Seven today. He wrote it down. 🐦", path.Out);

        var md = _cli.Run("export", id, "--format", "markdown", "--alternatives");
        Assert.Equal(0, md.ExitCode);
        Assert.StartsWith("# basemode-current\n", md.Out);
        Assert.Contains("> 1. None came back.", md.Out);

        var file = Path.Combine(_cli.Directory, "out.json");
        var export = _cli.Run("export", id, "-f", "loom", "-o", file);
        Assert.Equal(0, export.ExitCode);
        Assert.Equal("", export.Out);
        Assert.Contains("\"format\": \"loom\"", File.ReadAllText(file));

        // Importing the export again gives a second tree (new ids, same text).
        var again = _cli.Run("import", file);
        Assert.Equal(0, again.ExitCode);
        var second = Regex.Match(again.Out, "as ([0-9a-f]{32})").Groups[1].Value;
        Assert.NotEqual(id, second);
        Assert.Equal(_cli.Run("export", id, "-f", "text").Out, _cli.Run("export", second, "-f", "text").Out);
    }

    [Theory]
    [InlineData("bad-not-json.txt", "not valid JSON")]
    [InlineData("bad-cycle.json", "cycle")]
    [InlineData("bad-duplicate-id.json", "two nodes have the id")]
    [InlineData("bad-text-number.json", "not a string")]
    [InlineData("tapestry-native.tapestry", "native Tapestry Loom weave")]
    public void Bad_files_fail_with_a_message_on_stderr_and_import_nothing(string fixture, string problem)
    {
        var path = CliRunner.Fixture(fixture);
        var r = _cli.Run("import", path);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Contains($"loom: cannot import '{path}': ", r.Err);
        Assert.Contains(problem, r.Err);
        var list = _cli.Run("list");
        Assert.Equal("", list.Out);
        Assert.Contains("no trees", list.Err);
    }

    [Fact]
    public void Many_tree_file_imports_every_note_or_one()
    {
        var all = _cli.Run("import", CliRunner.Fixture("loomsidian-data.json"));
        Assert.Equal(0, all.ExitCode);
        Assert.Equal(2, Regex.Matches(all.Out, "^imported ", RegexOptions.Multiline).Count);
        Assert.Contains("loom: warning:", all.Err);
        var one = _cli.Run("import", CliRunner.Fixture("loomsidian-data.json"), "--note", "Stories/gulls.md");
        Assert.Equal(0, one.ExitCode);
        Assert.Single(Regex.Matches(one.Out, "^imported ", RegexOptions.Multiline));
    }

    [Fact]
    public void Forced_format_and_unknown_format()
    {
        var forced = _cli.Run("import", CliRunner.Fixture("exoloom.json"), "--format", "basemode");
        Assert.Equal(1, forced.ExitCode);
        Assert.Contains("'nodes' (basemode-loom export) should be an array", forced.Err);
        var unknown = _cli.Run("import", CliRunner.Fixture("exoloom.json"), "--format", "word");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown import format 'word'", unknown.Err);
    }

    [Fact]
    public void Errors_go_to_stderr_with_nonzero_exit()
    {
        var noTree = _cli.Run("export", "nope", "-f", "text");
        Assert.Equal(1, noTree.ExitCode);
        Assert.Equal("", noTree.Out);
        Assert.Contains("no tree 'nope'", noTree.Err);

        var noNode = _cli.Run("path", "ffffffffffffffffffffffffffffffff");
        Assert.Equal(1, noNode.ExitCode);
        Assert.Contains("no node", noNode.Err);

        var unknown = _cli.Run("frobnicate");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("frobnicate", unknown.Err);

        var missingArg = _cli.Run("import");
        Assert.Equal(2, missingArg.ExitCode);

        var notDb = Path.Combine(_cli.Directory, "not-a-db.sqlite");
        File.WriteAllText(notDb, "this is not sqlite, it is a long enough text file to have a header of sorts");
        var badDb = _cli.Run("list", "--db", notDb);
        Assert.Equal(1, badDb.ExitCode);
        Assert.Contains(notDb, badDb.Err);
    }

    [Fact]
    public void Generate_streams_each_line_with_its_branch_number()
    {
        var id = ImportFixture("socketteer-full.json");
        var r = _cli.Run("generate", id, "--model", "offline/markov", "--branches", "3", "--max-tokens", "8");
        Assert.Equal(0, r.ExitCode);
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Matches(@"^\[[1-3]\] ", l));
        Assert.Equal(3, Regex.Matches(r.Err, "^new node [0-9a-f]{32}", RegexOptions.Multiline).Count);
        var show = _cli.Run("show", id);
        Assert.Equal(3, Regex.Matches(show.Out, @"\[offline/markov\]").Count);

        var bad = _cli.Run("generate", id, "--branches", "0");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("branches must be between 1 and 64", bad.Err);

        var unknownModel = _cli.Run("generate", id, "--model", "nowhere/model", "--branches", "1");
        Assert.Equal(1, unknownModel.ExitCode);
        Assert.Contains("generation failed (config)", unknownModel.Err);
    }

    [Fact]
    public void Db_option_beats_LOOM_DB_which_beats_the_xdg_default()
    {
        var explicitDb = Path.Combine(_cli.Directory, "explicit.sqlite");
        Assert.Equal(0, _cli.Run("import", CliRunner.Fixture("exoloom.json"), "--db", explicitDb).ExitCode);
        Assert.True(File.Exists(explicitDb));
        Assert.Contains("Gulls", _cli.Run("list", "--db", explicitDb).Out);
        Assert.Contains("no trees", _cli.Run("list").Err); // LOOM_DB's database is still empty

        var env = new Dictionary<string, string?> { ["LOOM_DB"] = null };
        Assert.Equal(0, _cli.Run(env, "import", CliRunner.Fixture("tinyloom.json")).ExitCode);
        Assert.True(File.Exists(Path.Combine(_cli.Directory, "xdg", "loom", "trees.sqlite")));
    }

    [Fact]
    public void A_text_file_imports_as_a_new_tree_whose_id_is_the_last_word()
    {
        var file = Path.Combine(_cli.Directory, "demo.txt");
        File.WriteAllText(file, "The lighthouse keeper counted the gulls at dawn, and");
        var r = _cli.Run("import", file, "--format", "text");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("imported “demo” (text, 1 node) as ", r.Out.TrimEnd()[..^32]);
        var id = r.Out.TrimEnd().Split(' ')[^1];
        Assert.Equal("The lighthouse keeper counted the gulls at dawn, and", _cli.Run("path", id).Out);
        var gen = _cli.Run("generate", id, "--model", "offline/markov", "--branches", "2", "--max-tokens", "5");
        Assert.Equal(0, gen.ExitCode);
    }

    [Fact]
    public void Export_every_format_to_stdout()
    {
        var id = ImportFixture("loom-handwritten.json");
        foreach (var f in new[] { "loom", "basemode", "socketteer", "markdown", "text" })
        {
            var r = _cli.Run("export", id, "--format", f);
            Assert.Equal(0, r.ExitCode);
            Assert.NotEqual("", r.Out);
        }
        Assert.Equal("Begin. Middle.", _cli.Run("export", id, "-f", "text").Out);
        Assert.Equal("Begin. Middle. End below the cursor.", _cli.Run("export", id, "-f", "text", "--node", "c0000000000000000000000000000003").Out);
    }
}
