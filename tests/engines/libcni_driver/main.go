// libcni-driver: one call of libcni (Debian's golang-github-appc-cni-dev) per run, for
// tests/engines/cni_libcni_test.cpp, which reads back what the kernel holds in between.
//
//	libcni-driver ADD|CHECK|DEL|CACHED CONFLIST CACHE_DIR PLUGIN_DIRS ID NETNS IFNAME [CAPABILITY_ARGS]
//
// PLUGIN_DIRS is ':'-separated; CAPABILITY_ARGS a JSON object (e.g. portMappings). ADD
// prints the chain's result, CACHED the result libcni cached for the attachment (null
// when there is none), as JSON on stdout; errors go to stderr with exit status 1.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
)

func run(args []string) error {
	if len(args) < 7 || len(args) > 8 {
		return fmt.Errorf("usage: libcni-driver ADD|CHECK|DEL|CACHED CONFLIST CACHE_DIR PLUGIN_DIRS ID NETNS IFNAME [CAPABILITY_ARGS]")
	}
	command, conflist, cacheDir, pluginDirs := args[0], args[1], args[2], strings.Split(args[3], ":")
	list, err := libcni.ConfListFromFile(conflist)
	if err != nil {
		return err
	}
	rt := &libcni.RuntimeConf{ContainerID: args[4], NetNS: args[5], IfName: args[6]}
	if len(args) == 8 {
		if err := json.Unmarshal([]byte(args[7]), &rt.CapabilityArgs); err != nil {
			return fmt.Errorf("CAPABILITY_ARGS: %w", err)
		}
	}
	cni := libcni.NewCNIConfigWithCacheDir(pluginDirs, cacheDir, nil)
	ctx := context.Background()
	var result types.Result
	switch command {
	case "ADD":
		result, err = cni.AddNetworkList(ctx, list, rt)
	case "CHECK":
		err = cni.CheckNetworkList(ctx, list, rt)
	case "DEL":
		err = cni.DelNetworkList(ctx, list, rt)
	case "CACHED":
		result, err = cni.GetNetworkListCachedResult(list, rt)
		if err == nil && result == nil {
			fmt.Println("null")
			return nil
		}
	default:
		return fmt.Errorf("unknown command %q", command)
	}
	if err != nil || result == nil {
		return err
	}
	return result.PrintTo(os.Stdout)
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "libcni-driver:", err)
		os.Exit(1)
	}
}
