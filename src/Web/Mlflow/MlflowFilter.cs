using System.Globalization;
using System.Text;

namespace LayerLab.Web.Mlflow;

/// <summary>What a filter or order-by names: a metric, a param, a tag or a run attribute.</summary>
public enum MlflowEntity
{
    Metric,
    Param,
    Tag,
    Attribute,
}

public enum MlflowComparator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Like,
    ILike,
    In,
    NotIn,
}

/// <summary>A literal on the right of a comparator: a number, a string, or a parenthesised list of strings (IN).</summary>
public sealed record MlflowValue(double? Number, string? Text, IReadOnlyList<string>? List);

/// <summary>One <c>entity.key comparator value</c> clause; a filter is these joined by AND.</summary>
public sealed record MlflowCondition(MlflowEntity Entity, string Key, MlflowComparator Comparator, MlflowValue Value);

public sealed record MlflowOrderBy(MlflowEntity Entity, string Key, bool Ascending);

/// <summary>
/// MLflow's search syntax (a subset: the clauses its clients send): <c>metrics.loss &lt; 0.5 AND params.lr = '0.01'
/// AND tags.`mlflow.source.name` LIKE '%train%' AND attributes.status IN ('FINISHED', 'FAILED')</c>. Keys may be
/// quoted with backticks or double quotes after the entity's dot; strings with single or double quotes. Input is
/// bounded (length, clauses, list items) so a hostile filter costs little before it is refused.
/// Run attributes: run_id, run_name, status, user_id, start_time, end_time (created = start_time).
/// </summary>
public static class MlflowFilter
{
    public const int MaxLength = 4000;
    public const int MaxConditions = 50;
    public const int MaxListItems = 1000;
    public const int MaxOrderBy = 10;

    public static readonly IReadOnlySet<string> NumericAttributes = new HashSet<string>(StringComparer.Ordinal) { "start_time", "end_time" };
    public static readonly IReadOnlySet<string> StringAttributes =
        new HashSet<string>(StringComparer.Ordinal) { "run_id", "run_name", "status", "user_id", "name" };

    /// <summary>Parses a run filter; empty or whitespace means "no condition". Throws <see cref="FormatException"/> with a message for the client.</summary>
    public static IReadOnlyList<MlflowCondition> Parse(string? filter)
    {
        if (string.IsNullOrWhiteSpace(filter)) return [];
        if (filter.Length > MaxLength) throw new FormatException($"The filter is longer than {MaxLength} characters.");
        var tokens = new Tokenizer(filter).ReadAll();
        var conditions = new List<MlflowCondition>();
        var i = 0;
        while (true)
        {
            if (conditions.Count >= MaxConditions) throw new FormatException($"At most {MaxConditions} conditions joined by AND.");
            conditions.Add(ReadCondition(tokens, ref i));
            if (i == tokens.Count) return conditions;
            if (!tokens[i].Is("AND"))
                throw new FormatException($"Expected AND at position {tokens[i].Position}, got '{tokens[i].Text}' (MLflow filters join clauses with AND only).");
            i++;
        }
    }

    /// <summary>Parses order_by clauses such as <c>metrics.loss ASC</c>, <c>attributes.start_time DESC</c>.</summary>
    public static IReadOnlyList<MlflowOrderBy> ParseOrderBy(IReadOnlyList<string>? clauses)
    {
        if (clauses is null || clauses.Count == 0) return [];
        if (clauses.Count > MaxOrderBy) throw new FormatException($"At most {MaxOrderBy} order_by clauses.");
        var result = new List<MlflowOrderBy>(clauses.Count);
        foreach (var clause in clauses)
        {
            if (clause.Length > 500) throw new FormatException("An order_by clause is longer than 500 characters.");
            var tokens = new Tokenizer(clause).ReadAll();
            var i = 0;
            if (tokens.Count == 0) throw new FormatException("An order_by clause is empty.");
            var (entity, key) = ReadIdentifier(tokens, ref i);
            var ascending = true;
            if (i < tokens.Count && tokens[i].Is("ASC")) i++;
            else if (i < tokens.Count && tokens[i].Is("DESC")) { ascending = false; i++; }
            if (i != tokens.Count) throw new FormatException($"Invalid order_by clause '{clause}': expected ASC or DESC at the end.");
            result.Add(new MlflowOrderBy(entity, key, ascending));
        }
        return result;
    }

    private static MlflowCondition ReadCondition(List<Token> tokens, ref int i)
    {
        var (entity, key) = ReadIdentifier(tokens, ref i);
        var comparator = ReadComparator(tokens, ref i);
        var value = ReadValue(tokens, ref i, comparator);
        Check(entity, key, comparator, value);
        return new MlflowCondition(entity, key, comparator, value);
    }

    private static (MlflowEntity Entity, string Key) ReadIdentifier(List<Token> tokens, ref int i)
    {
        if (i >= tokens.Count || tokens[i].Kind is not (TokenKind.Identifier or TokenKind.Word))
            throw new FormatException($"Expected an identifier such as metrics.loss{At(tokens, i)}.");
        var token = tokens[i++];
        var (prefix, key) = (token.Prefix, token.Text);
        if (prefix is null) return (MlflowEntity.Attribute, Attribute(key));
        MlflowEntity entity = prefix.ToUpperInvariant() switch
        {
            "METRIC" or "METRICS" => MlflowEntity.Metric,
            "PARAM" or "PARAMS" or "PARAMETER" or "PARAMETERS" => MlflowEntity.Param,
            "TAG" or "TAGS" => MlflowEntity.Tag,
            "ATTRIBUTE" or "ATTRIBUTES" or "ATTR" or "RUN" => MlflowEntity.Attribute,
            _ => throw new FormatException($"Invalid entity type '{prefix}': use metrics., params., tags. or attributes."),
        };
        if (key.Length is 0 or > 250) throw new FormatException("A key must be 1 to 250 characters.");
        return entity == MlflowEntity.Attribute ? (entity, Attribute(key)) : (entity, key);
    }

    private static string Attribute(string key)
    {
        var name = key switch { "created" or "Created" => "start_time", "run name" or "Run name" => "run_name", _ => key };
        if (!NumericAttributes.Contains(name) && !StringAttributes.Contains(name))
            throw new FormatException($"Invalid attribute key '{key}': one of run_id, run_name, status, user_id, start_time, end_time.");
        return name;
    }

    private static MlflowComparator ReadComparator(List<Token> tokens, ref int i)
    {
        if (i >= tokens.Count) throw new FormatException("Expected a comparator at the end of the filter.");
        var token = tokens[i++];
        if (token.Kind == TokenKind.Operator)
        {
            return token.Text switch
            {
                "=" or "==" => MlflowComparator.Equal,
                "!=" or "<>" => MlflowComparator.NotEqual,
                "<" => MlflowComparator.Less,
                "<=" => MlflowComparator.LessOrEqual,
                ">" => MlflowComparator.Greater,
                ">=" => MlflowComparator.GreaterOrEqual,
                _ => throw new FormatException($"Invalid comparator '{token.Text}'."),
            };
        }
        if (token.Is("LIKE")) return MlflowComparator.Like;
        if (token.Is("ILIKE")) return MlflowComparator.ILike;
        if (token.Is("IN")) return MlflowComparator.In;
        if (token.Is("NOT") && i < tokens.Count && tokens[i].Is("IN")) { i++; return MlflowComparator.NotIn; }
        throw new FormatException($"Invalid comparator '{token.Text}' at position {token.Position}.");
    }

    private static MlflowValue ReadValue(List<Token> tokens, ref int i, MlflowComparator comparator)
    {
        if (i >= tokens.Count) throw new FormatException("Expected a value at the end of the filter.");
        if (comparator is MlflowComparator.In or MlflowComparator.NotIn)
        {
            if (tokens[i].Kind != TokenKind.OpenParen) throw new FormatException($"IN needs a parenthesised list of strings{At(tokens, i)}.");
            i++;
            var items = new List<string>();
            while (true)
            {
                if (i >= tokens.Count || tokens[i].Kind != TokenKind.String) throw new FormatException($"Expected a quoted string in the IN list{At(tokens, i)}.");
                if (items.Count >= MaxListItems) throw new FormatException($"At most {MaxListItems} values in an IN list.");
                items.Add(tokens[i++].Text);
                if (i < tokens.Count && tokens[i].Kind == TokenKind.Comma) { i++; continue; }
                if (i < tokens.Count && tokens[i].Kind == TokenKind.CloseParen) { i++; break; }
                throw new FormatException($"Expected ',' or ')' in the IN list{At(tokens, i)}.");
            }
            return new MlflowValue(null, null, items);
        }
        var token = tokens[i++];
        return token.Kind switch
        {
            TokenKind.String => new MlflowValue(null, token.Text, null),
            TokenKind.Number => new MlflowValue(double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture), token.Text, null),
            _ => throw new FormatException($"Expected a number or a quoted string at position {token.Position}, got '{token.Text}'."),
        };
    }

    /// <summary>MLflow's typing: metrics and times compare as numbers; params, tags and other attributes as strings.</summary>
    private static void Check(MlflowEntity entity, string key, MlflowComparator comparator, MlflowValue value)
    {
        var numeric = entity == MlflowEntity.Metric || (entity == MlflowEntity.Attribute && NumericAttributes.Contains(key));
        var name = $"{entity.ToString().ToLowerInvariant()}s.{key}";
        if (numeric)
        {
            if (comparator is MlflowComparator.Like or MlflowComparator.ILike or MlflowComparator.In or MlflowComparator.NotIn)
                throw new FormatException($"Invalid comparator '{comparator}' for {name}: numbers take =, !=, <, <=, >, >=.");
            if (value.Number is null) throw new FormatException($"{name} compares with a number, not a string.");
            return;
        }
        if (comparator is MlflowComparator.Less or MlflowComparator.LessOrEqual or MlflowComparator.Greater or MlflowComparator.GreaterOrEqual)
            throw new FormatException($"Invalid comparator for {name}: strings take =, !=, LIKE, ILIKE, IN, NOT IN.");
        if (value.List is null && value.Number is not null)
            throw new FormatException($"{name} compares with a quoted string (params and tags are strings in MLflow).");
    }

    private static string At(List<Token> tokens, int i) => i < tokens.Count ? $" at position {tokens[i].Position}" : " at the end";

    private enum TokenKind { Identifier, Word, String, Number, Operator, OpenParen, CloseParen, Comma }

    /// <param name="Prefix">For identifiers: the entity before the first dot (null when there is none).</param>
    private sealed record Token(TokenKind Kind, string Text, int Position, string? Prefix = null)
    {
        public bool Is(string keyword) =>
            Kind is TokenKind.Word or TokenKind.Identifier && Prefix is null && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);
    }

    private sealed class Tokenizer(string text)
    {
        private int _at;

        public List<Token> ReadAll()
        {
            var tokens = new List<Token>();
            while (true)
            {
                while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++;
                if (_at >= text.Length) return tokens;
                tokens.Add(Next());
            }
        }

        private Token Next()
        {
            var start = _at;
            var c = text[_at];
            switch (c)
            {
                case '(': _at++; return new Token(TokenKind.OpenParen, "(", start);
                case ')': _at++; return new Token(TokenKind.CloseParen, ")", start);
                case ',': _at++; return new Token(TokenKind.Comma, ",", start);
                case '\'' or '"': return new Token(TokenKind.String, Quoted(c), start);
                case '=' or '!' or '<' or '>':
                    _at++;
                    if (_at < text.Length && (text[_at] == '=' || (c == '<' && text[_at] == '>'))) _at++;
                    var op = text[start.._at];
                    if (op == "!") throw new FormatException($"Invalid comparator '!' at position {start}.");
                    return new Token(TokenKind.Operator, op, start);
            }
            if (char.IsDigit(c) || ((c == '-' || c == '+' || c == '.') && _at + 1 < text.Length && (char.IsDigit(text[_at + 1]) || text[_at + 1] == '.')))
                return Number(start);
            if (char.IsLetter(c) || c == '_') return Identifier(start);
            if (c == '`') return new Token(TokenKind.Identifier, Quoted('`'), start);
            throw new FormatException($"Unexpected character '{c}' at position {start}.");
        }

        private Token Number(int start)
        {
            _at++;
            while (_at < text.Length && (char.IsDigit(text[_at]) || text[_at] is '.' or 'e' or 'E' ||
                                         (text[_at] is '-' or '+' && text[_at - 1] is 'e' or 'E'))) _at++;
            var literal = text[start.._at];
            if (!double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
                throw new FormatException($"Invalid number '{literal}' at position {start}.");
            return new Token(TokenKind.Number, literal, start);
        }

        /// <summary>A word, or entity.key where the key may be quoted (metrics.`my loss`, tags."mlflow.user").</summary>
        private Token Identifier(int start)
        {
            while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] == '_')) _at++;
            var word = text[start.._at];
            if (_at >= text.Length || text[_at] != '.') return new Token(TokenKind.Word, word, start);
            _at++; // the entity's dot
            if (_at < text.Length && text[_at] is '`' or '"') return new Token(TokenKind.Identifier, Quoted(text[_at]), start, word);
            var keyStart = _at;
            while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] is '_' or '.' or '/' or '-' or ':')) _at++;
            return new Token(TokenKind.Identifier, text[keyStart.._at], start, word);
        }

        private string Quoted(char quote)
        {
            var start = _at++;
            var value = new StringBuilder();
            while (_at < text.Length)
            {
                var c = text[_at++];
                if (c != quote) { value.Append(c); continue; }
                // A doubled quote inside the string stands for one (SQL style).
                if (_at < text.Length && text[_at] == quote) { value.Append(quote); _at++; continue; }
                return value.ToString();
            }
            throw new FormatException($"Unterminated {quote}-quoted text starting at position {start}.");
        }
    }
}
