# LayerLab portal image (embedded default: SQLite in /data, in-process Hangfire worker, CPU libtorch).
# Not built in CI here (no Docker engine on the build machines); kept deliberately plain.
#   docker build -t layerlab .
#   docker run -p 8080:8080 -v layerlab-data:/data layerlab
# The .NET 10 images are Ubuntu 24.04 based, whose libstdc++ already has GLIBCXX_3.4.32 (TorchSharp 0.107 needs it).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props Portal.sln .editorconfig ./
COPY src/Data/LayerLab.Data.csproj src/Data/
COPY src/Training/LayerLab.Training.csproj src/Training/
COPY src/Web/LayerLab.Web.csproj src/Web/
RUN dotnet restore src/Web/LayerLab.Web.csproj
COPY package.json package-lock.json ./
COPY scripts/install-web-assets.sh scripts/
COPY wwwroot wwwroot
RUN scripts/install-web-assets.sh
COPY src src
COPY appsettings.json ./
RUN dotnet publish src/Web/LayerLab.Web.csproj -c Release -o /app --no-restore \
 && cp appsettings.json /app/ \
 && cp -r wwwroot/. /app/wwwroot/

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS portal
WORKDIR /app
COPY --from=build /app ./
# DOTNET_GCgen0size: fewer GCs during training (TorchSharp temporary-Scalar race; see lab.sh).
# GLIBC_TUNABLES: libtorch's step temporaries stay in the heap instead of mmap/munmap every step (see lab.sh).
ENV LAYERLAB_ROOT=/app \
    DOTNET_GCgen0size=0x8000000 \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=268435456 \
    Urls=http://0.0.0.0:8080 \
    LayerLab__Database="Data Source=/data/layerlab.db"
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["dotnet", "LayerLab.Web.dll"]
