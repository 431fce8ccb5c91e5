package promapi

import apiv1 "github.com/prometheus/prometheus/web/api/v1"

// openAPINoPath is a path prefix no route of Prometheus' API has.
const openAPINoPath = "/ward-serves-no-openapi-description"

// openAPIOptions keeps Prometheus' OpenAPI description as small as it
// goes. apiv1.NewAPI always renders it, twice (OpenAPI 3.1 and 3.2), and
// keeps the YAML; ward does not route /api/v1/openapi.yaml (ui's
// PrometheusAPIRoutes), so nobody reads it. Filtering out every path
// leaves only the schemas: at start 23 MB of garbage instead of 39 MB,
// and 0.26 MB kept for the process's life instead of 1.1 MB (issue 15,
// measured by TestOpenAPIDescriptionIsSmall's figures).
func openAPIOptions(externalURL string) apiv1.OpenAPIOptions {
	return apiv1.OpenAPIOptions{ExternalURL: externalURL, IncludePaths: []string{openAPINoPath}}
}
