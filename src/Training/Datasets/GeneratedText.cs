using System.Text;

namespace LayerLab.Training.Datasets;

/// <summary>
/// A small English-like text from a fixed seed: sentences from a toy grammar (subject, verb, object, optional
/// clause) over a few hundred common words. Deterministic across machines (System.Random with a seed is), so a
/// run on the fallback names the same bytes everywhere. It has real word, spelling and phrase structure for a
/// character model to learn, but is no substitute for natural text; runs on it say so.
/// </summary>
public static class GeneratedText
{
    public const int Seed = 2510;
    public const int TargetBytes = 300_000;

    private static readonly string[] Determiners = ["the", "a", "this", "that", "every", "one", "some", "no", "her", "his", "our", "their"];
    private static readonly string[] Adjectives =
        ["old", "young", "small", "great", "quiet", "bright", "dark", "cold", "warm", "green", "red", "long", "little",
         "strange", "gentle", "heavy", "early", "late", "wild", "kind", "poor", "rich", "tired", "happy", "empty"];
    private static readonly string[] Nouns =
        ["man", "woman", "child", "king", "queen", "dog", "cat", "horse", "bird", "river", "house", "garden", "door",
         "window", "road", "city", "village", "forest", "mountain", "ship", "letter", "book", "table", "fire", "light",
         "morning", "evening", "night", "winter", "summer", "friend", "mother", "father", "brother", "sister", "farmer",
         "teacher", "doctor", "soldier", "stranger", "boat", "field", "stone", "tree", "flower", "song", "story", "voice"];
    private static readonly string[] Verbs =
        ["saw", "found", "left", "kept", "took", "gave", "heard", "watched", "followed", "carried", "opened", "closed",
         "loved", "feared", "remembered", "forgot", "met", "called", "helped", "knew", "wanted", "brought", "painted", "read"];
    private static readonly string[] Adverbs = ["slowly", "quickly", "again", "often", "never", "always", "once", "softly", "at last", "still"];
    private static readonly string[] Prepositions = ["near", "behind", "under", "beside", "across", "beyond", "inside", "over", "through", "along"];
    private static readonly string[] Conjunctions = ["when", "because", "while", "after", "before", "although", "until"];
    private static readonly string[] Pronouns = ["he", "she", "they", "we", "it", "nobody"];

    public static byte[] Bytes()
    {
        var rng = new Random(Seed);
        var text = new StringBuilder(TargetBytes + 200);
        var sentences = 0;
        while (text.Length < TargetBytes)
        {
            var sentence = Sentence(rng);
            text.Append(char.ToUpperInvariant(sentence[0])).Append(sentence, 1, sentence.Length - 1);
            text.Append(rng.Next(10) == 0 ? "! " : rng.Next(8) == 0 ? "? " : ". ");
            if (++sentences % (4 + rng.Next(5)) == 0) text.Append("\n\n");
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static string Sentence(Random rng)
    {
        var s = $"{Phrase(rng)} {Pick(rng, Verbs)} {Phrase(rng)}";
        if (rng.Next(3) == 0) s += $" {Pick(rng, Prepositions)} {Phrase(rng)}";
        if (rng.Next(4) == 0) s += $" {Pick(rng, Adverbs)}";
        if (rng.Next(3) == 0) s += $", {Pick(rng, Conjunctions)} {Pick(rng, Pronouns)} {Pick(rng, Verbs)} {Phrase(rng)}";
        return s;
    }

    private static string Phrase(Random rng) =>
        rng.Next(3) == 0 ? $"{Pick(rng, Determiners)} {Pick(rng, Adjectives)} {Pick(rng, Nouns)}" : $"{Pick(rng, Determiners)} {Pick(rng, Nouns)}";

    private static string Pick(Random rng, string[] words) => words[rng.Next(words.Length)];
}
