-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "messages" (
    "id" UUID NOT NULL,
    "room" VARCHAR(128) NOT NULL,
    "sender" VARCHAR(128) NOT NULL,
    "client_msg_id" VARCHAR(64) NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "persisted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "messages_room_id_idx" ON "messages"("room", "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "messages_room_sender_client_msg_id_key" ON "messages"("room", "sender", "client_msg_id");

