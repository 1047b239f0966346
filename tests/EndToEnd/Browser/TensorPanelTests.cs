using System.Globalization;
using System.Text.Json;
using LayerLab.Tests.EndToEnd.Infrastructure;
using Microsoft.Playwright;

namespace LayerLab.Tests.EndToEnd.Browser;

/// <summary>A tiny xor-prelu run logs its tensors; the run page's heatmap at a slider step shows that step's values.
/// The same run carries the worker's system/ metrics (checked here to spend no second training run on it).</summary>
[Collection(PortalCollection.Name)]
public sealed class TensorPanelTests : BrowserTestBase
{
    [Fact]
    public async Task The_heatmap_slider_at_a_step_shows_the_tensor_logged_at_that_step()
    {
        var id = await Portal.Http.SubmitAsync(new { trials = 8, epochs = 50, lr_points = 3 }, seed: 3);
        await Portal.Http.WaitForStatusAsync(id, TimeSpan.FromSeconds(90), "Succeeded");

        // The experiment logged both tensors at every reported step (0, 5, …, 50).
        var list = (await Portal.Http.GetJsonAsync($"/api/runs/{id}/tensors")).GetProperty("tensors").EnumerateArray().ToList();
        Assert.Equal(["prelu.surface", "prelu.theta"], list.Select(k => k.GetProperty("key").GetString()));
        var steps = list[0].GetProperty("steps").EnumerateArray().Select(s => s.GetInt64()).ToList();
        Assert.Equal([0L, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50], steps);
        Assert.Equal([8, 3], list[1].GetProperty("shape").EnumerateArray().Select(s => s.GetInt32()));

        // System metrics (recorded by the in-process worker for every run): at least the sample taken as training ends.
        var series = (await Portal.Http.GetJsonAsync($"/api/runs/{id}/metrics")).GetProperty("series");
        foreach (var key in new[] { "system/cpu_percent", "system/rss_mb" })
            Assert.True(series.TryGetProperty(key, out var points) && points.GetProperty("values").GetArrayLength() > 0, $"no {key} points");
        Assert.InRange(series.GetProperty("system/rss_mb").GetProperty("values")[0].GetDouble(), 10, 100_000);

        const int index = 3;
        var logged = await ValuesAsync(id, "prelu.surface", steps[index]);
        var last = await ValuesAsync(id, "prelu.surface", steps[^1]);
        Assert.NotEqual(logged, last); // else the slider could show any step and pass

        var page = await NewPageAsync();
        await SignInAsync(page, $"/runs/{id}");
        await page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.GetByTestId("tensor-key").SelectOptionAsync("prelu.surface");
        await Assertions.Expect(page.Locator("[data-testid=tensor-values]")).ToHaveAttributeAsync("data-step", "50");
        // The slider as a person moves it: the value changes and an input event fires.
        await page.GetByTestId("tensor-step").EvaluateAsync($"(e) => {{ e.value = '{index}'; e.dispatchEvent(new Event('input', {{ bubbles: true }})); }}");
        await Assertions.Expect(page.GetByTestId("tensor-step-label")).ToContainTextAsync($"step {steps[index]} ");
        await Assertions.Expect(page.Locator("[data-testid=tensor-values]")).ToHaveAttributeAsync("data-step", steps[index].ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(page.GetByTestId("tensor-heatmap")).ToHaveAttributeAsync("data-step", steps[index].ToString(CultureInfo.InvariantCulture));

        // The listed cells and the drawn cells are exactly the values logged at that step.
        var listed = (await page.Locator("[data-testid=tensor-values] td").EvaluateAllAsync<string[]>("cells => cells.map(c => c.dataset.value)"))
            .Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(logged, listed);
        var canvas = page.GetByTestId("tensor-heatmap");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-rows", "25");
        var drawn = JsonSerializer.Deserialize<float[]>(await canvas.GetAttributeAsync("data-values") ?? "[]");
        Assert.Equal(logged, drawn);

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.TestResults, "tensor-panel.png"), FullPage = true });
    }

    private async Task<float[]> ValuesAsync(long id, string key, long step) =>
        [.. (await Portal.Http.GetJsonAsync($"/api/runs/{id}/tensors/{key}?step={step}")).GetProperty("data").EnumerateArray().Select(v => v.GetSingle())];
}
