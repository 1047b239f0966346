using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>A tiny finished linear-policy run on CartPole: its page replays the recorded episode, and the slider at step
/// k shows exactly the observation the run stored for step k (the drawn row, the pole angle and the return so far).</summary>
[Collection(PortalCollection.Name)]
public sealed class EpisodeReplayTests : BrowserTestBase
{
    private const string Key = "episode.cartpole.es-linear";

    [Fact]
    public async Task The_replay_slider_at_step_k_shows_the_recorded_state_of_step_k()
    {
        using var response = await Portal.Http.PostAsJsonAsync(new Uri("/api/runs", UriKind.Relative), new
        {
            experiment = "linear-policy",
            parameters = new { env = "cartpole", budget_steps = 1_000, test_episodes = 1, eval_every = 1 },
            seed = 3,
        });
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var run = await Portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(90), LabApi.FinishedStatuses);
        Assert.True(run.GetProperty("status").GetString() == "Succeeded", $"{run}\n{Portal.Log}");

        // Two recordings of the same test episode: before training (step 0) and after it.
        var list = (await Portal.Http.GetJsonAsync($"/api/runs/{id}/tensors")).GetProperty("tensors").EnumerateArray().ToList();
        var episode = Assert.Single(list, k => k.GetProperty("key").GetString() == Key);
        var steps = episode.GetProperty("steps").EnumerateArray().Select(s => s.GetInt64()).ToList();
        Assert.Equal(2, steps.Count);
        Assert.Equal(0, steps[0]);
        var stored = await Portal.Http.GetJsonAsync($"/api/runs/{id}/tensors/{Key}?step={steps[1]}");
        var shape = stored.GetProperty("shape").EnumerateArray().Select(s => s.GetInt32()).ToArray();
        var data = stored.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var (rows, cols) = (shape[0], shape[1]);
        Assert.Equal(6, cols); // x, ẋ, θ, θ̇, action, reward
        Assert.True(rows >= 5, $"only {rows} rows");
        var k = rows / 2;
        float[] RowOf(int t) => data[(t * cols)..((t + 1) * cols)];
        Assert.NotEqual(RowOf(0), RowOf(k)); // else the slider could show any step and pass

        var page = await NewPageAsync();
        await SignInAsync(page, $"/runs/{id}");
        await page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var host = page.GetByTestId("replay-host");
        await Assertions.Expect(host).ToHaveAttributeAsync("data-episode", $"{Key}@{steps[1]}");
        await Assertions.Expect(host).ToHaveAttributeAsync("data-step", "0");

        // The slider as a person moves it: the value changes and an input event fires.
        await page.GetByTestId("replay-step").EvaluateAsync($"(e) => {{ e.value = '{k}'; e.dispatchEvent(new Event('input', {{ bubbles: true }})); }}");
        await Assertions.Expect(host).ToHaveAttributeAsync("data-step", k.ToString(CultureInfo.InvariantCulture));
        var drawn = JsonSerializer.Deserialize<float[]>(await host.GetAttributeAsync("data-state") ?? "[]");
        Assert.Equal(RowOf(k), drawn);
        var angle = ((double)RowOf(k)[2]).ToString("F3", CultureInfo.InvariantCulture);
        // CartPole pays 1 a step, so the return so far at step k is k.
        await Assertions.Expect(page.GetByTestId("replay-state")).ToContainTextAsync($"step {k} of {rows - 1}, cart at ");
        await Assertions.Expect(page.GetByTestId("replay-state")).ToContainTextAsync($"pole angle {angle} rad");
        await Assertions.Expect(page.GetByTestId("replay-state")).ToContainTextAsync($"return so far {k}");
        await Assertions.Expect(page.GetByTestId("episode-replay").GetByLabel("Step", new() { Exact = true })).ToHaveAttributeAsync("data-testid", "replay-step"); // labelled

        // Play from the keyboard: it moves on, and pauses again.
        var play = page.GetByTestId("replay-play");
        await play.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(play).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(host).Not.ToHaveAttributeAsync("data-step", k.ToString(CultureInfo.InvariantCulture));
        await page.Keyboard.PressAsync("Space");
        await page.GetByTestId("replay-step").EvaluateAsync($"(e) => {{ e.value = '{k}'; e.dispatchEvent(new Event('input', {{ bubbles: true }})); }}");
        await Assertions.Expect(play).ToHaveAttributeAsync("aria-pressed", "false");
        await page.GetByTestId("episode-replay").ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.TestResults, "episode-replay.png") });
        // axe-core on the panel: no serious or critical violation (labels, names, contrast).
        await page.AddScriptTagAsync(new PageAddScriptTagOptions { Path = Path.Combine(RepoPaths.Root, "test-assets", "axe.min.js") });
        var serious = await page.EvaluateAsync<string[]>("""
            async () => (await axe.run(document.querySelector('[data-testid=episode-replay]'), { resultTypes: ['violations'] }))
              .violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => `${v.id}: ${v.help}`)
            """);
        Assert.Empty(serious);

        // The episode is replayed here, not drawn again as a heatmap (the run logged no other tensor).
        await Assertions.Expect(page.GetByTestId("tensor-panel")).ToHaveCountAsync(0);

        // The other recording: the untrained policy on the same episode.
        await page.GetByTestId("replay-episode").SelectOptionAsync($"{Key}@0");
        await Assertions.Expect(host).ToHaveAttributeAsync("data-episode", $"{Key}@0");
        await Assertions.Expect(page.GetByTestId("replay-state")).ToContainTextAsync("step 0 of ");
    }
}
