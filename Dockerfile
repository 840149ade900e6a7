# mini-runc's build and test environment. The tests make network namespaces, veths and
# bridges, so the container must run with --privileged:
#   docker build -t mini-runc . && docker run --rm --privileged mini-runc
# It is a thin wrapper over the same scripts CI runs: scripts/setup-deps.sh installs
# scripts/packages.txt, scripts/build.sh builds, scripts/test.sh builds and runs ctest.
FROM debian:12
COPY scripts/packages.txt scripts/setup-deps.sh /src/scripts/
RUN /src/scripts/setup-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . /src
WORKDIR /src
RUN scripts/build.sh build/test -DMR_FAULT_INJECTION=ON
CMD ["scripts/test.sh"]
