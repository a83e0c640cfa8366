CREATE TABLE "accounts" (
	"id" serial PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"shop_id" text NOT NULL,
	"name" text NOT NULL,
	"region" text,
	"login_name" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"owner_user_id" integer,
	"notes" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "catalog_files" (
	"id" serial PRIMARY KEY NOT NULL,
	"path" text NOT NULL,
	"file_name" text NOT NULL,
	"platform" text NOT NULL,
	"shop_id" text NOT NULL,
	"data_domain" text NOT NULL,
	"sub_domain" text DEFAULT '' NOT NULL,
	"granularity" text NOT NULL,
	"period_start" date,
	"period_end" date,
	"sha256" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"rows_total" integer DEFAULT 0 NOT NULL,
	"rows_ingested" integer DEFAULT 0 NOT NULL,
	"rows_duplicate" integer DEFAULT 0 NOT NULL,
	"rows_quarantined" integer DEFAULT 0 NOT NULL,
	"rows_inserted" integer DEFAULT 0 NOT NULL,
	"rows_updated" integer DEFAULT 0 NOT NULL,
	"rows_unchanged" integer DEFAULT 0 NOT NULL,
	"checkpoint_row" integer DEFAULT 0 NOT NULL,
	"ingest_task_id" uuid,
	"last_error" text,
	"lease_owner" text,
	"format" text NOT NULL,
	"lease_expires_at" timestamp with time zone,
	"registered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ingested_at" timestamp with time zone,
	"uploaded_by" integer
);
--> statement-breakpoint
CREATE TABLE "component_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"component" text NOT NULL,
	"version" text NOT NULL,
	"is_stable" boolean DEFAULT false NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"usage_count" integer DEFAULT 0 NOT NULL,
	"success_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fact_rows" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"file_id" integer NOT NULL,
	"platform" text NOT NULL,
	"shop_id" text NOT NULL,
	"data_domain" text NOT NULL,
	"sub_domain" text DEFAULT '' NOT NULL,
	"granularity" text NOT NULL,
	"metric_date" date,
	"data_hash" text NOT NULL,
	"raw" jsonb NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "quarantined_rows" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"file_id" integer NOT NULL,
	"task_id" uuid,
	"row_number" integer NOT NULL,
	"reason" text NOT NULL,
	"raw" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "refresh_tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"family_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_tasks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"kind" text NOT NULL,
	"file_ids" jsonb NOT NULL,
	"filter" jsonb,
	"priority" smallint DEFAULT 5 NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"progress" jsonb,
	"results" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"error_code" text,
	"idempotency_key" text,
	"enqueued_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"retry_of" uuid
);
--> statement-breakpoint
CREATE TABLE "templates" (
	"id" serial PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"data_domain" text NOT NULL,
	"sub_domain" text DEFAULT '' NOT NULL,
	"granularity" text NOT NULL,
	"header_row" smallint DEFAULT 1 NOT NULL,
	"columns" jsonb NOT NULL,
	"dedup_fields" jsonb NOT NULL,
	"date_field" text,
	"published" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" serial PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text DEFAULT 'normal' NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_username_unique" UNIQUE("username")
);
--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_owner_user_id_users_id_fk" FOREIGN KEY ("owner_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "catalog_files" ADD CONSTRAINT "catalog_files_uploaded_by_users_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_tasks" ADD CONSTRAINT "sync_tasks_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_platform_shop_uq" ON "accounts" USING btree ("platform","shop_id");--> statement-breakpoint
CREATE UNIQUE INDEX "catalog_files_sha256_uq" ON "catalog_files" USING btree ("sha256");--> statement-breakpoint
CREATE INDEX "catalog_files_status_idx" ON "catalog_files" USING btree ("status","platform","data_domain");--> statement-breakpoint
CREATE UNIQUE INDEX "component_versions_uq" ON "component_versions" USING btree ("platform","component","version");--> statement-breakpoint
CREATE UNIQUE INDEX "fact_rows_key_uq" ON "fact_rows" USING btree ("platform","shop_id","data_domain","sub_domain","granularity","data_hash");--> statement-breakpoint
CREATE INDEX "fact_rows_file_idx" ON "fact_rows" USING btree ("file_id");--> statement-breakpoint
CREATE INDEX "quarantined_rows_file_idx" ON "quarantined_rows" USING btree ("file_id");--> statement-breakpoint
CREATE INDEX "refresh_tokens_family_idx" ON "refresh_tokens" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "refresh_tokens_user_idx" ON "refresh_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "sync_tasks_user_idx" ON "sync_tasks" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "sync_tasks_status_idx" ON "sync_tasks" USING btree ("status");--> statement-breakpoint
CREATE INDEX "sync_tasks_outbox_idx" ON "sync_tasks" USING btree ("created_at") WHERE status = 'queued' AND enqueued_at IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "sync_tasks_idempotency_uq" ON "sync_tasks" USING btree ("user_id","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "templates_uq" ON "templates" USING btree ("platform","data_domain","sub_domain","granularity");