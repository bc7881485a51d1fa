package ctl

import (
	"context"
	"io"
	"strings"

	"github.com/podd/podd/api/client"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// watchTable is `podctl get pods -w`: the table's header once, then a row for each pod there
// is and for each change of one, as podd's watch sends them, until podctl is interrupted.
func watchTable(ctx context.Context, cl *client.Client, req getRequest, out io.Writer) error {
	include := metav1.IncludeNone
	if req.table.needsMeta() {
		include = metav1.IncludeMetadata
	}
	names := shownColumns
	if req.table.Wide {
		names = append(names[:len(names):len(names)], wideColumns...)
	}
	t := newLineTable(out, tableHeader(names, req.table), req.table.NoHeaders)
	name := ""
	if len(req.names) == 1 {
		name = req.names[0]
	}
	opts := req.listOptions()
	return cl.WatchTable(ctx, req.listNamespace(), name, opts, include, func(_ string, tb *metav1.Table) error {
		cols, err := columnIndexes(tb.ColumnDefinitions, names)
		if err != nil {
			return err
		}
		for i := range tb.Rows {
			row, err := tableRow(&tb.Rows[i], cols, req.table)
			if err != nil {
				return err
			}
			if err := t.row(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// splitKeys reads -L values: each may list keys separated by commas.
func splitKeys(values []string) []string {
	var keys []string
	for _, v := range values {
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				keys = append(keys, k)
			}
		}
	}
	return keys
}
