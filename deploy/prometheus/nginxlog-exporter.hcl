# prometheus-nginxlog-exporter: response counts by status from nginx's JSON access log (nginx.conf's
# data_sync_json format) → nginx_http_response_count_total{status, method}, used by DataSyncNginx5xx / 429.
# Its JSON parser reads `status` and `request_time` by name and takes the `method` label from the first word of
# `request` (its built-in relabelling), which is why the log format carries "$request" beside "method";
# test/ops/nginx.e2e-spec.ts checks those three keys on every access-log line.
listen {
  port = 4040
}

namespace "nginx" {
  source = {
    files = ["/var/log/nginx/data-sync.access.json"]
  }
  parser = "json"
  format = "$status $request_method $request_time"
  labels {
    app = "data-sync"
  }
  histogram_buckets = [.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10]
}
