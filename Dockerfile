# LayerLab images, one multi-stage build. Not built in CI here (no Docker engine on the build machines); kept plain.
#
#   docker build --target portal -t layerlab .                                   # the portal (default target: last stage)
#   docker build --target worker -t layerlab-worker .                            # a remote worker, CPU libtorch
#   docker build --target worker --build-arg TORCH=cuda -t layerlab-worker:cuda . # a remote worker, CUDA libtorch
#
#   docker run -p 8080:8080 -v layerlab-data:/data layerlab      # embedded default: SQLite in /data, in-process worker
#   docker compose up                                            # portal + PostgreSQL + GPU workers (docker-compose.yml)
#
# The .NET 10 images are Ubuntu 24.04 based, whose libstdc++ already has GLIBCXX_3.4.32 (TorchSharp 0.107 needs it);
# so is the CUDA base image below.

# TORCH=cpu: libtorch-cpu-linux-x64. TORCH=cuda: TorchSharp-cuda-linux (libtorch built with CUDA 12) on an NVIDIA base.
ARG TORCH=cpu
ARG CUDA_BASE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

# ---- build: the portal and the worker from one restore ---------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props Portal.sln .editorconfig ./
COPY src/Data/LayerLab.Data.csproj src/Data/
COPY src/Training/LayerLab.Training.csproj src/Training/
COPY src/Web/LayerLab.Web.csproj src/Web/
COPY src/Worker/LayerLab.Worker.csproj src/Worker/
RUN dotnet restore src/Web/LayerLab.Web.csproj
COPY package.json package-lock.json ./
COPY scripts/install-web-assets.sh scripts/
COPY wwwroot wwwroot
RUN scripts/install-web-assets.sh
COPY src src
COPY appsettings.json ./
# MKL's vendor check answered (scripts/mkl-intel-shim.c): its fast GEMM kernels on AMD too; a no-op on Intel.
COPY scripts/mkl-intel-shim.c scripts/
RUN mkdir -p /shim && cc -O2 -shared -fPIC -o /shim/libmkl-intel-shim.so scripts/mkl-intel-shim.c
RUN dotnet publish src/Web/LayerLab.Web.csproj -c Release -o /app --no-restore \
 && cp appsettings.json /app/ \
 && cp -r wwwroot/. /app/wwwroot/

# ---- the worker's build: its own restore, because TORCH swaps a package (Training's csproj reads -p:Torch) --------
FROM build AS build-worker
ARG TORCH
RUN dotnet publish src/Worker/LayerLab.Worker.csproj -c Release -o /worker -p:Torch=${TORCH}

# ---- worker runtime bases: plain .NET runtime for CPU, NVIDIA's CUDA runtime (+ .NET) for GPU --------------------
FROM mcr.microsoft.com/dotnet/runtime:10.0 AS worker-base-cpu

FROM ${CUDA_BASE} AS worker-base-cuda
COPY --from=mcr.microsoft.com/dotnet/runtime:10.0 /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
 && apt-get update && apt-get install -y --no-install-recommends ca-certificates libicu74 && rm -rf /var/lib/apt/lists/*
ENV DOTNET_ROOT=/usr/share/dotnet

# ---- worker: the standalone training worker (no web, no portal database) -----------------------------------------
FROM worker-base-${TORCH} AS worker
WORKDIR /worker
COPY --from=build-worker /worker ./
COPY --from=build /shim/libmkl-intel-shim.so /usr/local/lib/
# Settings come from the environment (see docker-compose.yml):
#   LayerLab__Hangfire__ConnectionString, LayerLab__Portal__Url, LayerLab__Portal__Token,
#   LayerLab__Worker__Count, LayerLab__Worker__Queues__0=gpu …,
#   LayerLab__Checkpoints__Directory=/checkpoints (a volume or network mount shared by all workers, so a run resumes
#   on another worker; unshared, a run taken over starts from step 0)
ENV DOTNET_GCgen0size=0x8000000 \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=268435456 \
    LD_PRELOAD=/usr/local/lib/libmkl-intel-shim.so
ENTRYPOINT ["dotnet", "LayerLab.Worker.dll"]

# ---- portal: as before (SQLite in /data, in-process worker, in-memory Hangfire) unless configured otherwise -------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS portal
WORKDIR /app
COPY --from=build /app ./
COPY --from=build /shim/libmkl-intel-shim.so /usr/local/lib/
# DOTNET_GCgen0size: fewer GCs during training (TorchSharp temporary-Scalar race; see scripts/runtime-env.sh).
# GLIBC_TUNABLES: libtorch's step temporaries stay in the heap instead of mmap/munmap every step (see scripts/runtime-env.sh).
# LD_PRELOAD: MKL's fast kernels on AMD CPUs (see scripts/runtime-env.sh).
ENV LAYERLAB_ROOT=/app \
    LD_PRELOAD=/usr/local/lib/libmkl-intel-shim.so \
    DOTNET_GCgen0size=0x8000000 \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=268435456 \
    Urls=http://0.0.0.0:8080 \
    LayerLab__Database="Data Source=/data/layerlab.db"
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["dotnet", "LayerLab.Web.dll"]
