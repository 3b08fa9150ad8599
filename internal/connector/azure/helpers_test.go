package azure_test

import (
	"log/slog"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
)

func newGroupsClient(wd *world) (*armresources.ResourceGroupsClient, error) {
	return armresources.NewResourceGroupsClient(azureSub, wd.cred, &wd.opts)
}

func testLog() *slog.Logger {
	if os.Getenv("AZURE_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
