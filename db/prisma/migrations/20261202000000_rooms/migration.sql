-- CreateEnum
CREATE TYPE "room_visibility" AS ENUM ('public', 'private');

-- CreateEnum
CREATE TYPE "room_role" AS ENUM ('owner', 'admin', 'member', 'reader');

-- CreateTable
CREATE TABLE "rooms" (
    "name" VARCHAR(128) NOT NULL,
    "visibility" "room_visibility" NOT NULL,
    "direct" BOOLEAN NOT NULL DEFAULT false,
    "created_by" VARCHAR(128) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rooms_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "room_members" (
    "room" VARCHAR(128) NOT NULL,
    "user_id" VARCHAR(128) NOT NULL,
    "role" "room_role" NOT NULL,
    "added_by" VARCHAR(128) NOT NULL,
    "added_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "room_members_pkey" PRIMARY KEY ("room","user_id")
);

-- CreateIndex
CREATE INDEX "room_members_user_id_room_idx" ON "room_members"("user_id", "room");

-- AddForeignKey
ALTER TABLE "room_members" ADD CONSTRAINT "room_members_room_fkey" FOREIGN KEY ("room") REFERENCES "rooms"("name") ON DELETE CASCADE ON UPDATE CASCADE;


-- Backfill (written by hand): rooms that already have messages stay what they were before
-- rooms became resources, public, so existing history stays readable. They have no owner;
-- the server API can give them one.
INSERT INTO "rooms" ("name", "visibility", "direct", "created_by", "created_at")
SELECT "room", 'public', false, 'migration', MIN("created_at") FROM "messages" GROUP BY "room"
ON CONFLICT DO NOTHING;
