using System.Text;
using Loom.Core.Formats.Json;

namespace Loom.Formats.Tests;

public class TolerantJsonTests
{
    [Fact]
    public void Reads_NaN_and_infinities_that_python_writes()
    {
        var doc = (JObj)TolerantJson.Parse("{\"a\": NaN, \"b\": Infinity, \"c\": -Infinity, \"d\": -2.5e3}");
        Assert.True(double.IsNaN(((JNum)doc["a"]!).Value));
        Assert.Equal(double.PositiveInfinity, ((JNum)doc["b"]!).Value);
        Assert.Equal(double.NegativeInfinity, ((JNum)doc["c"]!).Value);
        Assert.Equal(-2500, ((JNum)doc["d"]!).Value);
    }

    [Fact]
    public void Keeps_escaped_lone_surrogates_as_utf16_code_units()
    {
        var doc = (JArr)TolerantJson.Parse("[\"a\\ud83d\", \"\\ude00b\"]");
        var joined = ((JStr)doc[0]).Value + ((JStr)doc[1]).Value;
        Assert.Equal("a😀b", joined);
    }

    [Fact]
    public void Reads_nesting_far_deeper_than_64_without_recursion()
    {
        const int depth = 300_000;
        var sb = new StringBuilder(depth * 2 + 2);
        sb.Append('[', depth).Append("1").Append(']', depth);
        var value = TolerantJson.Parse(sb.ToString());
        var levels = 0;
        while (value is JArr a)
        {
            levels++;
            value = a[0];
        }
        Assert.Equal(depth, levels);
    }

    [Fact]
    public void Repeated_keys_keep_the_first_position_and_the_last_value()
    {
        var doc = (JObj)TolerantJson.Parse("{\"x\": 1, \"y\": 2, \"x\": 3}");
        Assert.Equal(new[] { "x", "y" }, doc.Members.Select(m => m.Key));
        Assert.Equal(3, ((JNum)doc["x"]!).Value);
        Assert.True(doc.HadDuplicateKeys);
    }

    [Fact]
    public void Large_objects_use_an_index_and_keep_order()
    {
        var sb = new StringBuilder("{");
        for (var i = 0; i < 1000; i++)
        {
            sb.Append(i == 0 ? "" : ",").Append('"').Append("k").Append(i).Append("\":").Append(i);
        }
        sb.Append(",\"k5\":-1}");
        var doc = (JObj)TolerantJson.Parse(sb.ToString());
        Assert.Equal(1000, doc.Count);
        Assert.Equal(-1, ((JNum)doc["k5"]!).Value);
        Assert.Equal("k999", doc.Members[999].Key);
    }

    [Fact]
    public void Keeps_the_digits_of_64_bit_integers()
    {
        var doc = (JObj)TolerantJson.Parse("{\"id\": 18446744073709551615}");
        Assert.Equal("18446744073709551615", JsonRead.AsId(doc["id"]));
    }

    [Fact]
    public void Skips_a_byte_order_mark_and_reads_utf8()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("{\"t\": \"né 🐦\"}")).ToArray();
        Assert.Equal("né 🐦", ((JObj)TolerantJson.Parse(bytes)).Str("t"));
    }

    [Theory]
    [InlineData("", 1, 1, "empty")]
    [InlineData("{\"a\": 1,\n  \"b\": }", 2, 8, "unexpected character")]
    [InlineData("[1, 2", 1, 6, "end of file")]
    [InlineData("{\"a\" 1}", 1, 6, "expected ':'")]
    [InlineData("\"never closed", 1, 1, "never closed")]
    [InlineData("{} {}", 1, 4, "after the end")]
    [InlineData("[01x]", 1, 4, "expected ','")]
    [InlineData("[\"\\q\"]", 1, 3, "unknown escape")]
    public void Reports_line_and_column(string text, int line, int column, string reason)
    {
        var e = Assert.Throws<TolerantJsonException>(() => TolerantJson.Parse(text));
        Assert.Equal(line, e.Line);
        Assert.Equal(column, e.Column);
        Assert.Contains(reason, e.Message);
    }
}
