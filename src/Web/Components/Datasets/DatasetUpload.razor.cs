using System.Text.Json;
using LayerLab.Web.Datasets;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace LayerLab.Web.Components.Datasets;

/// <summary>One upload: the file the browser picked, its progress, and the API's answer in words (markup in the
/// .razor file).</summary>
public partial class DatasetUpload
{
    /// <summary>Called with the new version after a successful upload (the page refreshes its list).</summary>
    [Parameter] public EventCallback<DatasetDto> OnUploaded { get; set; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan UploadLimit = TimeSpan.FromHours(1);

    private ElementReference _zone, _input;
    private IJSObjectReference? _module;
    private DotNetObjectReference<DatasetUpload>? _self;
    private string? _fileName, _name, _licence, _source, _problem, _progressText;
    private long _fileSize;
    private bool _uploading, _done, _attached;
    private double _percent;
    private DatasetDto? _created;
    private Dictionary<string, string> _errors = [];

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender) return;
        try
        {
            _module = await JS.InvokeAsync<IJSObjectReference>("import", "/js/dataset-upload.js");
            _self = DotNetObjectReference.Create(this);
            await _module.InvokeVoidAsync("attach", _zone, _input, _self);
            // Says the zone now reacts to clicks and drops (browser tests wait for it).
            _attached = true;
            StateHasChanged();
        }
        catch (JSDisconnectedException)
        {
            // The browser left before the page was interactive.
        }
    }

    [JSInvokable]
    public Task OnFileChosen(string name, long size)
    {
        // A new file starts a new upload: the last one's result and errors no longer apply.
        if (string.IsNullOrWhiteSpace(_name) || _name == Path.GetFileNameWithoutExtension(_fileName ?? "")) _name = Path.GetFileNameWithoutExtension(name);
        (_fileName, _fileSize, _done, _created, _problem, _progressText, _percent) = (name, size, false, null, null, null, 0);
        _errors.Remove("file");
        return InvokeAsync(StateHasChanged);
    }

    [JSInvokable]
    public Task OnUploadProgress(long sent, long total)
    {
        _percent = total > 0 ? 100.0 * sent / total : 0;
        _progressText = $"Sending… {DatasetFormatting.Size(sent)} of {DatasetFormatting.Size(total)}";
        return InvokeAsync(StateHasChanged);
    }

    private async Task UploadAsync()
    {
        if (_module is null || _fileName is null) return;
        (_uploading, _done, _created, _problem, _errors, _percent) = (true, false, null, null, [], 0);
        _progressText = "Sending…";
        UploadResult result;
        try
        {
            var fields = new Dictionary<string, string?> { ["name"] = _name, ["licence"] = _licence, ["source"] = _source };
            // Waits up to an hour for the browser's post, and no longer than the component lives.
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ComponentToken);
            wait.CancelAfter(UploadLimit);
            result = await _module.InvokeAsync<UploadResult>("upload", wait.Token, [_zone, fields, Antiforgery.GetAntiforgeryToken()?.Value]);
        }
        finally
        {
            _uploading = false;
        }
        Show(result);
        if (_created is not null)
        {
            await _module.InvokeVoidAsync("reset", _zone);
            // Licence and source stay: the next upload is often another version of the same text.
            (_fileName, _fileSize, _name) = (null, 0, null);
            await OnUploaded.InvokeAsync(_created);
        }
    }

    /// <summary>The API's answer in words: the new version, the errors per field (400), or the limit that was hit
    /// (413, 507: the API's title names the numbers).</summary>
    private void Show(UploadResult result)
    {
        switch (result.Status)
        {
            case 201:
                _created = JsonSerializer.Deserialize<DatasetDto>(result.Body, Json);
                (_done, _percent, _progressText) = (true, 100, "Upload complete.");
                return;
            case 400 when Problem(result.Body) is { } problem && problem.TryGetProperty("errors", out var errors):
                foreach (var field in errors.EnumerateObject())
                    _errors[field.Name] = string.Join(" ", field.Value.EnumerateArray().Select(e => e.GetString()));
                _progressText = "Not stored: see the fields marked in red.";
                // An error on a part that has no field here (e.g. the antiforgery header) still needs saying.
                var other = _errors.Where(e => e.Key is not ("name" or "licence" or "source" or "file")).Select(e => e.Value).ToList();
                if (other.Count > 0) _problem = string.Join(" ", other);
                return;
            case 0:
                (_problem, _progressText) = ("The upload did not reach the portal (the connection failed or was cut). Nothing was stored.", null);
                return;
            default:
                var title = Problem(result.Body) is { } body && body.TryGetProperty("title", out var t) ? t.GetString() : null;
                _problem = result.Status switch
                {
                    413 => $"Too large (413): {title}",
                    507 => $"Over your storage quota (507): {title}",
                    _ => $"The portal refused the upload ({result.Status}){(title is null ? "." : $": {title}")}",
                };
                _progressText = "Not stored.";
                return;
        }
    }

    private static JsonElement? Problem(string body)
    {
        try
        {
            return string.IsNullOrEmpty(body) ? null : JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record UploadResult(int Status, string Body);

    // Blazor calls only DisposeAsync on a component that has it: cancel a pending upload wait here too.
    public async ValueTask DisposeAsync()
    {
        Dispose();
        try
        {
            if (_module is not null)
            {
                await _module.InvokeVoidAsync("detach", _zone);
                await _module.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // The browser is gone; nothing to clean up there.
        }
        _self?.Dispose();
        GC.SuppressFinalize(this);
    }
}
