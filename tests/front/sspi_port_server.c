// SPDX-License-Identifier: GPL-2.0
/*
 * sspi_port_server: the port test of lib/sspi.h (issue 13). Microsoft's
 * sample server of "Using SSPI with a Windows Sockets Server" (the SSPI
 * documentation's server sample: main, AcceptAuthSocket, DoAuthentication,
 * GenServerContext, EncryptThis, PrintHexDump, SendMsg, ReceiveMsg,
 * SendBytes, ReceiveBytes), ported to Linux against <sspi.h> and serving RDP
 * clients (xfreerdp, tests/ktls/ktls_client --rdp --port-test) through
 * credssp.ko and credsspd, as an unprivileged user. Test code.
 *
 * What changed from the sample, and why (nothing else did):
 *   1. The package: "CredSSP" instead of "Negotiate"; pszPrincipal of
 *      AcquireCredentialsHandle names the server credential granted to this
 *      service in credsspd.conf (--credential NAME; the sample passes NULL).
 *      Documentation/libcredssp.rst, "Running unprivileged".
 *   2. RDP puts its X.224 negotiation before the CredSSP tokens:
 *      NegotiateRdp(), called by AcceptAuthSocket() before DoAuthentication().
 *   3. Message framing. The sample's SendMsg/ReceiveMsg put a 4-byte length
 *      before each token; RDP sends CredSSP's tokens as bare TLS records. So
 *      ReceiveMsg() returns what the socket has, and GenServerContext() passes
 *      an input SECBUFFER_EMPTY that comes back as SECBUFFER_EXTRA and reads
 *      more on SEC_E_INCOMPLETE_MESSAGE: the stream rules of Schannel, whose
 *      TLS records CredSSP's tokens are.
 *   4. EncryptThis() and DecryptThis() use the stream buffers of CredSSP's
 *      EncryptMessage and DecryptMessage (SECBUFFER_STREAM_HEADER, DATA,
 *      STREAM_TRAILER, sized by SECPKG_ATTR_STREAM_SIZES: Schannel's), not the
 *      sample's SECBUFFER_TOKEN + SECBUFFER_DATA of a message package; the
 *      message goes out as one TLS record, which the client's TLS stack opens.
 *      The sample only encrypts; the port test also decrypts the
 *      client's records: DecryptThis() (the client's first RDP PDU, and its
 *      reply to our message).
 *   5. GetUserName() of the impersonated thread becomes the thread's ids
 *      (/proc/thread-self/status), the owner of a file it creates, and
 *      getpwuid() of its fsuid; QueryContextAttributes asks SIZES (as the
 *      sample), NAMES and STREAM_SIZES (the list; the sample's
 *      NEGOTIATION_INFO is sspi_front's).
 *   6. The listening socket stays open between clients (the sample makes a
 *      new one per client: a client of the port forward arriving in between
 *      would be refused), the loop ends after --count clients, and every
 *      result is also written as key=value lines (--result FILE) for
 *      tests/guest/port-interop.sh to judge.
 *
 * Per client, after SEC_E_OK: QueryContextAttributes SIZES, NAMES,
 * STREAM_SIZES; ImpersonateSecurityContext, the thread's identity, a file
 * created in --scratch DIR and its owner; RevertSecurityContext and the same
 * again; DecryptMessage of the client's next record (an RDP client's MCS
 * Connect-Initial: a TPKT carrying an X.224 Data TPDU); EncryptMessage of the
 * sample's message with 64 random bits after it, in an X.224 Data TPDU (as
 * every RDP PDU from here on), and sent; DecryptMessage of the client's next
 * record, its reply (ktls_client --port-test sends "This is your client
 * speaking; you said: " and what it decrypted). --tamper-from N flips one bit
 * of the encrypted message of client N and of every client after it (the
 * negative control: the client must not be able to open it).
 *
 * usage: sspi_port_server --port N --credential NAME --scratch DIR
 *                         [--port-file F] [--count N] [--timeout S]
 *                         [--result F] [--tamper-from N]
 * exit: 0 every client authenticated and its records went both ways, 1 not,
 *       2 set-up
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sspi.h"

#include "credssp.h" /* credssp_status_name() */
#include "x224.h"

/* What windows.h and winsock.h gave the sample. */
typedef uint32_t DWORD;
typedef int BOOL;
typedef unsigned char BYTE, *PBYTE;
typedef char CHAR, *PCHAR, TCHAR;
typedef int SOCKET;
#define TRUE		    1
#define FALSE		    0
#define INVALID_SOCKET	    (-1)
#define closesocket	    close
#define SEC_SUCCESS(Status) ((Status) >= 0)

/* The sample's globals. */
CredHandle hcred;
struct _SecHandle hctxt;

static PBYTE g_pInBuf = NULL;
static PBYTE g_pOutBuf = NULL;
static DWORD g_cbMaxMessage;
static TCHAR g_lpPackageName[1024];

/* The port's: the credential name, the options, what the socket had left. */
static TCHAR g_lpCredentialName[64];
static const char *g_scratch, *g_port_file, *g_result_file;
static unsigned int g_port, g_count = 1, g_timeout = 120, g_tamper;
static struct timespec g_until;
static DWORD g_cbIn;	    /* bytes in g_pInBuf not yet consumed */
static BOOL g_fNeedMore;    /* the last token was incomplete */
static unsigned int g_conn; /* the client being served, from 1 */
static FILE *g_result;

BOOL AcceptAuthSocket(SOCKET sockListen, SOCKET *ServerSocket);
BOOL NegotiateRdp(SOCKET s);
BOOL DoAuthentication(SOCKET s);
BOOL GenServerContext(BYTE *pIn, DWORD cbIn, BYTE *pOut, DWORD *pcbOut, BOOL *pfDone,
		      BOOL fNewConversation);
BOOL EncryptThis(PBYTE pMessage, ULONG cbMessage, BYTE **ppOutput, ULONG *pcbOutput,
		 SecPkgContext_StreamSizes *pSizes);
BOOL DecryptThis(SOCKET s, PBYTE *ppPlain, ULONG *pcbPlain, SECURITY_STATUS *pss);
void PrintHexDump(DWORD length, PBYTE buffer);
BOOL SendMsg(SOCKET s, PBYTE pBuf, DWORD cbBuf);
BOOL ReceiveMsg(SOCKET s, PBYTE pBuf, DWORD cbBuf, DWORD *pcbRead);
BOOL SendBytes(SOCKET s, PBYTE pBuf, DWORD cbBuf);
BOOL ReceiveBytes(SOCKET s, PBYTE pBuf, DWORD cbBuf, DWORD *pcbRead);

static void cleanup(void)
{
	free(g_pInBuf);
	free(g_pOutBuf);
	if (g_result)
		fclose(g_result);
	exit(2);
}

/* One key=value result line of the client being served (control bytes as '?'). */
static void report(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(const char *key, const char *fmt, ...)
{
	char val[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	for (char *p = val; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	printf("%s=%s\n", key, val);
	if (g_result) {
		fprintf(g_result, "%s=%s\n", key, val);
		fflush(g_result);
	}
}

static const char *status_name(SECURITY_STATUS s)
{
	/* sspi.h's own status: credssp_status_name() knows the kernel's */
	if (s == SEC_E_NO_IMPERSONATION)
		return "SEC_E_NO_IMPERSONATION";
	return credssp_status_name((uint32_t)s);
}

/* "Uid:" or "Gid:" of /proc/thread-self/status: real, effective, saved, fs. */
static BOOL ThreadIds(const char *field, unsigned int ids[4])
{
	char line[256];
	BOOL found = FALSE;
	FILE *f = fopen("/proc/thread-self/status", "r");

	if (!f)
		return FALSE;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, field, strlen(field)) &&
			sscanf(line + strlen(field), "%u %u %u %u", &ids[0], &ids[1], &ids[2],
			       &ids[3]) == 4;
	fclose(f);
	return found;
}

/*
 * The sample's GetUserName() and more: who the calling thread is, as the
 * kernel will judge its file accesses. PREFIX_euid, _fsuid, _fsgid, the
 * owner of a file it creates in --scratch, and the account of its fsuid.
 */
static BOOL WhoAmI(const char *prefix, unsigned int *pFsuid)
{
	unsigned int uid[4] = {0}, gid[4] = {0};
	char key[64], path[4096];
	struct passwd *pw;
	struct stat st;
	int fd;

	if (!ThreadIds("Uid:", uid) || !ThreadIds("Gid:", gid))
		return FALSE;
	snprintf(key, sizeof(key), "%s_ids", prefix);
	report(key, "euid=%u fsuid=%u egid=%u fsgid=%u", uid[1], uid[3], gid[1], gid[3]);
	snprintf(path, sizeof(path), "%s/%s-%u.%d", g_scratch, prefix, g_conn, (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	snprintf(key, sizeof(key), "%s_file_owner", prefix);
	if (fd < 0 || fstat(fd, &st))
		report(key, "open: %s", strerror(errno));
	else
		report(key, "%u:%u", (unsigned int)st.st_uid, (unsigned int)st.st_gid);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	pw = getpwuid(uid[3]);
	snprintf(key, sizeof(key), "%s_user", prefix);
	report(key, "%s", pw ? pw->pw_name : "?");
	*pFsuid = uid[3];
	return TRUE;
}

/* The first bytes of a plaintext, hex. */
static void ReportHead(const char *key, PBYTE p, ULONG n)
{
	char hex[3 * 16 + 1] = "";

	for (ULONG i = 0; i < n && i < 16; i++)
		snprintf(hex + strlen(hex), sizeof(hex) - strlen(hex), "%s%02x", i ? " " : "",
			 p[i]);
	report(key, "%s", hex);
}

/* An RDP PDU on the slow path: a TPKT (RFC 1006) holding an X.224 Data TPDU (02 f0 80). */
static BOOL IsTpktX224Data(PBYTE p, ULONG n)
{
	return n >= 7 && p[0] == 3 && p[1] == 0 && ((ULONG)p[2] << 8 | p[3]) == n && p[4] == 2 &&
	       p[5] == 0xf0 && p[6] == 0x80;
}

/* The sample's per-client work, after AcceptAuthSocket(). */
static BOOL ServeClient(SOCKET Server_Socket, DWORD cbMaxToken)
{
	static const char reply_prefix[] = "This is your client speaking; you said: ";
	CHAR pMessage[200], pExpected[400];
	DWORD cbMessage;
	PBYTE pDataToClient = NULL, pPlain = NULL;
	ULONG cbDataToClient = 0, cbPlain = 0;
	SECURITY_STATUS ss;
	SecPkgContext_Sizes SecPkgContextSizes;
	SecPkgContext_Names SecPkgNames;
	SecPkgContext_StreamSizes SecPkgStreamSizes;
	unsigned int fsuidSelf = 0, fsuidImp = 0, fsuidBack = 0;
	uint32_t nonce[2];
	BOOL ok = TRUE;

	ss = QueryContextAttributes(&hctxt, SECPKG_ATTR_SIZES, &SecPkgContextSizes);
	if (!SEC_SUCCESS(ss)) {
		report("sizes", "%s", status_name(ss));
		return FALSE;
	}
	report("sizes", "%u/%u/%u/%u", SecPkgContextSizes.cbMaxToken,
	       SecPkgContextSizes.cbMaxSignature, SecPkgContextSizes.cbBlockSize,
	       SecPkgContextSizes.cbSecurityTrailer);
	/* The package said the same of its tokens as the context does. */
	report("sizes_max_token", "%s",
	       SecPkgContextSizes.cbMaxToken == cbMaxToken ? "package's" : "differs");

	ss = QueryContextAttributes(&hctxt, SECPKG_ATTR_NAMES, &SecPkgNames);
	if (!SEC_SUCCESS(ss)) {
		report("principal", "%s", status_name(ss));
		return FALSE;
	}
	report("principal", "%s", SecPkgNames.sUserName);
	FreeContextBuffer(SecPkgNames.sUserName);

	ss = QueryContextAttributes(&hctxt, SECPKG_ATTR_STREAM_SIZES, &SecPkgStreamSizes);
	if (!SEC_SUCCESS(ss)) {
		report("stream_sizes", "%s", status_name(ss));
		return FALSE;
	}
	report("stream_sizes", "%u/%u/%u", SecPkgStreamSizes.cbHeader, SecPkgStreamSizes.cbTrailer,
	       SecPkgStreamSizes.cbMaximumMessage);

	//-----------------------------------------------------------------
	//   Impersonate the client.

	if (!WhoAmI("self", &fsuidSelf))
		return FALSE;
	ss = ImpersonateSecurityContext(&hctxt);
	report("impersonate", "%s", status_name(ss));
	if (!SEC_SUCCESS(ss)) {
		fprintf(stderr, "Impersonate failed: 0x%08x\n", (unsigned int)ss);
		ok = FALSE;
	} else {
		printf("Impersonation worked. \n");
	}
	if (!WhoAmI("impersonated", &fsuidImp))
		return FALSE;

	//-----------------------------------------------------------------
	//   Revert to self.

	ss = RevertSecurityContext(&hctxt);
	report("revert", "%s", status_name(ss));
	if (!SEC_SUCCESS(ss)) {
		fprintf(stderr, "Revert failed: 0x%08x\n", (unsigned int)ss);
		return FALSE;
	}
	printf("Reverted to self.\n");
	if (!WhoAmI("reverted", &fsuidBack) || fsuidBack != fsuidSelf)
		return FALSE;

	//-----------------------------------------------------------------
	//   The client's first record: an RDP client's MCS Connect-Initial.

	if (!DecryptThis(Server_Socket, &pPlain, &cbPlain, &ss)) {
		report("first_record", "%s", status_name(ss));
		return FALSE;
	}
	report("first_record", "%s", status_name(ss));
	report("first_record_len", "%u", cbPlain);
	ReportHead("first_record_head", pPlain, cbPlain);
	report("first_record_rdp", "%s",
	       !IsTpktX224Data(pPlain, cbPlain)				? "no"
	       : cbPlain >= 9 && pPlain[7] == 0x7f && pPlain[8] == 0x65 ? "mcs_connect_initial"
									: "x224_data");
	free(pPlain);
	pPlain = NULL;

	//-----------------------------------------------------------------
	//   Send the client an encrypted message, as an X.224 Data TPDU.

	memcpy(pMessage, "\x03\x00\x00\x00\x02\xf0\x80", 7); /* TPKT, X.224 Data */
	/* The sample's words, and 64 random bits: only a client that decrypted
	 * the record can quote them back. */
	if (getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce))
		return FALSE;
	snprintf(pMessage + 7, sizeof(pMessage) - 7, "This is your server speaking #%016llx",
		 (unsigned long long)nonce[0] << 32 | nonce[1]);
	report("message", "%s", pMessage + 7);
	cbMessage = (DWORD)strlen(pMessage + 7) + 7;
	pMessage[2] = (CHAR)(cbMessage >> 8);
	pMessage[3] = (CHAR)cbMessage;

	if (!EncryptThis((PBYTE)pMessage, cbMessage, &pDataToClient, &cbDataToClient,
			 &SecPkgStreamSizes))
		return FALSE;
	if (g_tamper && g_conn >= g_tamper) {
		/* the negative control: one bit of the AEAD tag */
		pDataToClient[cbDataToClient - 1] ^= 1;
		report("tampered", "yes");
	}

	//-----------------------------------------------------------------
	//   Send the encrypted data to client.

	if (!SendBytes(Server_Socket, pDataToClient, cbDataToClient)) {
		printf("send message failed. \n");
		free(pDataToClient);
		return FALSE;
	}
	printf(" %u encrypted bytes sent. \n", cbDataToClient);
	report("sent", "%u", cbDataToClient);
	free(pDataToClient);

	//-----------------------------------------------------------------
	//   The client's reply: what it decrypted of our message.

	snprintf(pExpected, sizeof(pExpected), "%s%s", reply_prefix, pMessage + 7);
	if (!DecryptThis(Server_Socket, &pPlain, &cbPlain, &ss)) {
		report("reply", "%s", status_name(ss));
		return FALSE;
	}
	report("reply", "%s", status_name(ss));
	if (ss == SEC_E_OK) {
		report("reply_text", "%.*s", (int)cbPlain, (char *)pPlain);
		report("reply_echoes_message", "%s",
		       cbPlain == strlen(pExpected) && !memcmp(pPlain, pExpected, cbPlain) ? "yes"
											   : "no");
	}
	free(pPlain);
	return ok && ss == SEC_E_OK;
}

static SOCKET Listen(void)
{
	struct sockaddr_in sockIn = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
	socklen_t len = sizeof(sockIn);
	SOCKET sockListen = socket(PF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	FILE *f;

	if (sockListen == INVALID_SOCKET)
		return INVALID_SOCKET;
	setsockopt(sockListen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(sockListen, (struct sockaddr *)&sockIn, sizeof(sockIn)) || listen(sockListen, 8) ||
	    getsockname(sockListen, (struct sockaddr *)&sockIn, &len)) {
		fprintf(stderr, "bind/listen failed: %s\n", strerror(errno));
		return INVALID_SOCKET;
	}
	if (g_port_file) {
		f = fopen(g_port_file, "w");
		if (!f || fprintf(f, "%u\n", ntohs(sockIn.sin_port)) < 0 || fclose(f)) {
			fprintf(stderr, "%s: %s\n", g_port_file, strerror(errno));
			return INVALID_SOCKET;
		}
	}
	printf("Listening ! \n");
	return sockListen;
}

/* The process's own identity and capabilities, once (the test checks them). */
static void ReportProcess(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "CapEff:", 7))
			report("process_capeff", "%.16s", line + 8);
		else if (!strncmp(line, "Uid:", 4))
			report("process_uid", "%s", strtok(line + 5, " \t\n"));
	}
	if (f)
		fclose(f);
}

static int Options(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];

		if (!strcmp(o, "--port"))
			g_port = (unsigned int)atoi(v);
		else if (!strcmp(o, "--credential"))
			snprintf(g_lpCredentialName, sizeof(g_lpCredentialName), "%s", v);
		else if (!strcmp(o, "--scratch"))
			g_scratch = v;
		else if (!strcmp(o, "--port-file"))
			g_port_file = v;
		else if (!strcmp(o, "--count"))
			g_count = (unsigned int)atoi(v);
		else if (!strcmp(o, "--timeout"))
			g_timeout = (unsigned int)atoi(v);
		else if (!strcmp(o, "--result"))
			g_result_file = v;
		else if (!strcmp(o, "--tamper-from"))
			g_tamper = (unsigned int)atoi(v);
		else
			return -1;
	}
	return argc % 2 == 0 || !g_count || !g_timeout || !g_scratch || !g_lpCredentialName[0] ? -1
											       : 0;
}

int main(int argc, char **argv)
{
	SOCKET sockListen, Server_Socket;
	SECURITY_STATUS ss;
	PSecPkgInfo pkgInfo;
	DWORD cbMaxToken;
	int rc = 0;

	if (Options(argc, argv))
		return fprintf(stderr,
			       "sspi_port_server: bad arguments (see the source's header)\n"),
		       2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	alarm(g_timeout + 5);
	g_until = x224_deadline(g_timeout);
	if (g_result_file && !(g_result = fopen(g_result_file, "a")))
		return fprintf(stderr, "sspi_port_server: %s: %s\n", g_result_file,
			       strerror(errno)),
		       2;

	//-----------------------------------------------------------------
	//   Set the default package to negotiate.

	strcpy(g_lpPackageName, "CredSSP");

	//-----------------------------------------------------------------
	//   Initialize the socket interface and the security package.

	ss = QuerySecurityPackageInfo(g_lpPackageName, &pkgInfo);
	if (!SEC_SUCCESS(ss)) {
		fprintf(stderr, "Could not query package info for %s, error 0x%08x\n",
			g_lpPackageName, (unsigned int)ss);
		cleanup();
	}
	g_cbMaxMessage = pkgInfo->cbMaxToken;
	cbMaxToken = pkgInfo->cbMaxToken;
	FreeContextBuffer(pkgInfo);

	g_pInBuf = (PBYTE)malloc(g_cbMaxMessage);
	g_pOutBuf = (PBYTE)malloc(g_cbMaxMessage);
	if (NULL == g_pInBuf || NULL == g_pOutBuf) {
		fprintf(stderr, "Memory allocation error.\n");
		cleanup();
	}
	sockListen = Listen();
	if (sockListen == INVALID_SOCKET)
		cleanup();

	//-----------------------------------------------------------------
	//   Start looping for clients.

	for (g_conn = 1; g_conn <= g_count; g_conn++) {
		BOOL ok;

		printf("Waiting for client to connect...\n");
		report("conn", "%u", g_conn);
		ReportProcess();

		//-----------------------------------------------------------------
		//   Make an authenticated connection with client.

		Server_Socket = INVALID_SOCKET;
		ok = AcceptAuthSocket(sockListen, &Server_Socket);
		if (!ok)
			fprintf(stderr, "Could not authenticate the socket.\n");
		else
			ok = ServeClient(Server_Socket, cbMaxToken);
		if (!ok)
			rc = 1;
		report("served", "%s", ok ? "yes" : "no");
		if (Server_Socket != INVALID_SOCKET) {
			if (hctxt.dwLower || hctxt.dwUpper)
				DeleteSecurityContext(&hctxt);
			if (hcred.dwLower || hcred.dwUpper)
				FreeCredentialsHandle(&hcred);
			shutdown(Server_Socket, SHUT_RDWR);
			closesocket(Server_Socket);
		}
		g_cbIn = 0;
		g_fNeedMore = FALSE;
		memset(&hctxt, 0, sizeof(hctxt));
		memset(&hcred, 0, sizeof(hcred));
		report("end", "%u", g_conn);
	}
	closesocket(sockListen);
	printf("Server ran to completion%s.\n", rc ? " with failures" : " without error");
	free(g_pInBuf);
	free(g_pOutBuf);
	if (g_result)
		fclose(g_result);
	return rc;
}

BOOL AcceptAuthSocket(SOCKET sockListen, SOCKET *ServerSocket)
{
	struct pollfd p = {.fd = sockListen, .events = POLLIN};
	SOCKET sockClient;

	//-----------------------------------------------------------------
	//   Accept client.

	if (poll(&p, 1, (int)g_timeout * 1000) != 1)
		return FALSE;
	sockClient = accept4(sockListen, NULL, NULL, SOCK_CLOEXEC);
	if (INVALID_SOCKET == sockClient) {
		fprintf(stderr, "accept failed: %s\n", strerror(errno));
		return FALSE;
	}
	*ServerSocket = sockClient;
	if (!NegotiateRdp(sockClient))
		return FALSE;
	return DoAuthentication(sockClient);
}

/*
 * RDP only: the X.224 Connection Request in, the Confirm out selecting
 * PROTOCOL_HYBRID (CredSSP), read exactly (rdp/x224.h): what follows is the
 * client's first TLS record, the first token.
 */
BOOL NegotiateRdp(SOCKET s)
{
	uint8_t buf[X224_REQUEST_MAX];
	struct x224_request req;
	BOOL hybrid;

	if (x224_read_request(s, &g_until, buf, sizeof(buf), &req))
		return FALSE;
	hybrid = !!(req.requested & X224_PROTOCOL_HYBRID);
	report("x224_hybrid", "%s", hybrid ? "yes" : "no");
	return !x224_send_confirm(s, &g_until, hybrid, 0) && hybrid;
}

BOOL DoAuthentication(SOCKET AuthSocket)
{
	SECURITY_STATUS ss;
	DWORD cbIn, cbOut;
	BOOL done = FALSE;
	TimeStamp Lifetime;
	BOOL fNewConversation;

	fNewConversation = TRUE;

	ss = AcquireCredentialsHandle(g_lpCredentialName, g_lpPackageName, SECPKG_CRED_INBOUND,
				      NULL, NULL, NULL, NULL, &hcred, &Lifetime);
	report("acquire", "%s", status_name(ss));
	if (!SEC_SUCCESS(ss)) {
		fprintf(stderr, "AcquireCreds failed: 0x%08x\n", (unsigned int)ss);
		return FALSE;
	}

	while (!done) {
		cbIn = g_cbIn;
		if ((!g_cbIn || g_fNeedMore) &&
		    !ReceiveMsg(AuthSocket, g_pInBuf, g_cbMaxMessage, &cbIn))
			return FALSE;

		cbOut = g_cbMaxMessage;

		if (!GenServerContext(g_pInBuf, cbIn, g_pOutBuf, &cbOut, &done, fNewConversation)) {
			fprintf(stderr, "GenServerContext failed.\n");
			SendMsg(AuthSocket, g_pOutBuf, cbOut);
			return FALSE;
		}
		/* a context exists once a call consumed a token */
		if (!g_fNeedMore)
			fNewConversation = FALSE;
		if (!SendMsg(AuthSocket, g_pOutBuf, cbOut)) {
			fprintf(stderr, "Sending message failed.\n");
			return FALSE;
		}
	}
	return TRUE;
}

BOOL GenServerContext(BYTE *pIn, DWORD cbIn, BYTE *pOut, DWORD *pcbOut, BOOL *pfDone,
		      BOOL fNewConversation)
{
	SECURITY_STATUS ss;
	TimeStamp Lifetime;
	SecBufferDesc OutBuffDesc;
	SecBuffer OutSecBuff;
	SecBufferDesc InBuffDesc;
	SecBuffer InSecBuff[2];
	ULONG Attribs = 0;

	//----------------------------------------------------------------
	//   Prepare output buffers.

	OutBuffDesc.ulVersion = 0;
	OutBuffDesc.cBuffers = 1;
	OutBuffDesc.pBuffers = &OutSecBuff;

	OutSecBuff.cbBuffer = *pcbOut;
	OutSecBuff.BufferType = SECBUFFER_TOKEN;
	OutSecBuff.pvBuffer = pOut;

	//----------------------------------------------------------------
	//   Prepare input buffers: the token, and an empty one for the
	//   bytes that follow it (stream framing, see the header).

	InBuffDesc.ulVersion = 0;
	InBuffDesc.cBuffers = 2;
	InBuffDesc.pBuffers = InSecBuff;

	InSecBuff[0].cbBuffer = cbIn;
	InSecBuff[0].BufferType = SECBUFFER_TOKEN;
	InSecBuff[0].pvBuffer = pIn;
	InSecBuff[1].cbBuffer = 0;
	InSecBuff[1].BufferType = SECBUFFER_EMPTY;
	InSecBuff[1].pvBuffer = NULL;

	printf("Token buffer received (%u bytes):\n", InSecBuff[0].cbBuffer);
	PrintHexDump(InSecBuff[0].cbBuffer, (PBYTE)InSecBuff[0].pvBuffer);

	ss = AcceptSecurityContext(&hcred, fNewConversation ? NULL : &hctxt, &InBuffDesc, Attribs,
				   SECURITY_NATIVE_DREP, &hctxt, &OutBuffDesc, &Attribs, &Lifetime);

	g_fNeedMore = ss == SEC_E_INCOMPLETE_MESSAGE;
	if (g_fNeedMore) {
		/* nothing consumed, nothing to send: read more, call again with all */
		*pcbOut = 0;
		*pfDone = FALSE;
		return TRUE;
	}
	if (!SEC_SUCCESS(ss)) {
		fprintf(stderr, "AcceptSecurityContext failed: 0x%08x\n", (unsigned int)ss);
		report("status", "%s", status_name(ss));
		/* the errorCode TSRequest of a failure goes to the client */
		*pcbOut = OutSecBuff.cbBuffer;
		return FALSE;
	}

	//----------------------------------------------------------------
	//   Complete token if applicable.

	if ((SEC_I_COMPLETE_NEEDED == ss) || (SEC_I_COMPLETE_AND_CONTINUE == ss)) {
		ss = CompleteAuthToken(&hctxt, &OutBuffDesc);
		if (!SEC_SUCCESS(ss)) {
			fprintf(stderr, "complete failed: 0x%08x\n", (unsigned int)ss);
			return FALSE;
		}
	}

	*pcbOut = OutSecBuff.cbBuffer;

	/* What followed the token stays for the next call (or the first record). */
	g_cbIn = InSecBuff[1].BufferType == SECBUFFER_EXTRA ? InSecBuff[1].cbBuffer : 0;
	memmove(pIn, pIn + cbIn - g_cbIn, g_cbIn);

	printf("Token buffer generated (%u bytes):\n", OutSecBuff.cbBuffer);
	PrintHexDump(OutSecBuff.cbBuffer, (PBYTE)OutSecBuff.pvBuffer);

	*pfDone = !((SEC_I_CONTINUE_NEEDED == ss) || (SEC_I_COMPLETE_AND_CONTINUE == ss));

	printf("AcceptSecurityContext result = 0x%08x\n", (unsigned int)ss);
	if (*pfDone)
		report("status", "%s", status_name(ss));
	return TRUE;
}

BOOL EncryptThis(PBYTE pMessage, ULONG cbMessage, BYTE **ppOutput, ULONG *pcbOutput,
		 SecPkgContext_StreamSizes *pSizes)
{
	SECURITY_STATUS ss;
	SecBufferDesc BuffDesc;
	SecBuffer SecBuff[3];
	ULONG ulQop = 0;

	printf("Data before encryption: %.*s\n", (int)cbMessage - 7, pMessage + 7);
	printf("Length of data before encryption: %u \n", cbMessage);

	//-----------------------------------------------------------------
	//   One TLS record: header, the data encrypted in place, trailer,
	//   sized by SECPKG_ATTR_STREAM_SIZES.

	*ppOutput = (PBYTE)malloc(pSizes->cbHeader + cbMessage + pSizes->cbTrailer);
	if (!*ppOutput)
		return FALSE;

	BuffDesc.ulVersion = SECBUFFER_VERSION;
	BuffDesc.cBuffers = 3;
	BuffDesc.pBuffers = SecBuff;

	SecBuff[0].cbBuffer = pSizes->cbHeader;
	SecBuff[0].BufferType = SECBUFFER_STREAM_HEADER;
	SecBuff[0].pvBuffer = *ppOutput;

	SecBuff[1].cbBuffer = cbMessage;
	SecBuff[1].BufferType = SECBUFFER_DATA;
	SecBuff[1].pvBuffer = *ppOutput + pSizes->cbHeader;
	memcpy(SecBuff[1].pvBuffer, pMessage, cbMessage);

	SecBuff[2].cbBuffer = pSizes->cbTrailer;
	SecBuff[2].BufferType = SECBUFFER_STREAM_TRAILER;
	SecBuff[2].pvBuffer = *ppOutput + pSizes->cbHeader + cbMessage;

	ss = EncryptMessage(&hctxt, ulQop, &BuffDesc, 0);
	report("encrypt", "%s", status_name(ss));
	if (!SEC_SUCCESS(ss)) {
		fprintf(stderr, "EncryptMessage failed: 0x%08x\n", (unsigned int)ss);
		free(*ppOutput);
		*ppOutput = NULL;
		return FALSE;
	}
	printf("The message has been encrypted. \n");

	/* The header as written may be shorter than the maximum: close up. */
	memmove(*ppOutput + SecBuff[0].cbBuffer, SecBuff[1].pvBuffer, cbMessage);
	memmove(*ppOutput + SecBuff[0].cbBuffer + cbMessage, SecBuff[2].pvBuffer,
		SecBuff[2].cbBuffer);
	*pcbOutput = SecBuff[0].cbBuffer + cbMessage + SecBuff[2].cbBuffer;
	/* The ciphertext is not the plaintext (a no-op EncryptMessage fails here). */
	report("ciphertext_differs", "%s",
	       memcmp(*ppOutput + SecBuff[0].cbBuffer, pMessage, cbMessage) ? "yes" : "no");

	printf("data after encryption including header and trailer (%u bytes):\n", *pcbOutput);
	PrintHexDump(*pcbOutput, *ppOutput);
	return TRUE;
}

/*
 * The client's next record, decrypted in place: the bytes left after the
 * last token or record first, more read until a whole record is there.
 * TRUE with *pss SEC_E_OK and the plaintext, or SEC_I_CONTEXT_EXPIRED (the
 * client's close_notify); FALSE otherwise.
 */
BOOL DecryptThis(SOCKET s, PBYTE *ppPlain, ULONG *pcbPlain, SECURITY_STATUS *pss)
{
	SecBufferDesc BuffDesc;
	SecBuffer SecBuff[4];
	SECURITY_STATUS ss;
	DWORD cbRead;

	*ppPlain = NULL;
	*pcbPlain = 0;
	for (;;) {
		BuffDesc.ulVersion = SECBUFFER_VERSION;
		BuffDesc.cBuffers = 4;
		BuffDesc.pBuffers = SecBuff;
		SecBuff[0].cbBuffer = g_cbIn;
		SecBuff[0].BufferType = SECBUFFER_DATA;
		SecBuff[0].pvBuffer = g_pInBuf;
		for (int i = 1; i < 4; i++) {
			SecBuff[i].cbBuffer = 0;
			SecBuff[i].BufferType = SECBUFFER_EMPTY;
			SecBuff[i].pvBuffer = NULL;
		}
		ss = g_cbIn ? DecryptMessage(&hctxt, &BuffDesc, 0, NULL) : SEC_E_INCOMPLETE_MESSAGE;
		*pss = ss;
		if (ss != SEC_E_INCOMPLETE_MESSAGE)
			break;
		if (!ReceiveBytes(s, g_pInBuf + g_cbIn, g_cbMaxMessage - g_cbIn, &cbRead)) {
			*pss = SEC_E_INCOMPLETE_MESSAGE;
			return FALSE;
		}
		g_cbIn += cbRead;
	}
	if (ss != SEC_E_OK && ss != SEC_I_CONTEXT_EXPIRED)
		return FALSE;
	for (int i = 1; i < 4 && ss == SEC_E_OK; i++) {
		if (SecBuff[i].BufferType != SECBUFFER_DATA)
			continue;
		*pcbPlain = SecBuff[i].cbBuffer;
		*ppPlain = malloc(SecBuff[i].cbBuffer + 1);
		if (!*ppPlain)
			return FALSE;
		memcpy(*ppPlain, SecBuff[i].pvBuffer, SecBuff[i].cbBuffer);
	}
	/* What follows the record stays for the next call. */
	cbRead = 0;
	for (int i = 1; i < 4; i++)
		if (SecBuff[i].BufferType == SECBUFFER_EXTRA)
			cbRead = SecBuff[i].cbBuffer;
	memmove(g_pInBuf, g_pInBuf + g_cbIn - cbRead, cbRead);
	g_cbIn = cbRead;
	return ss == SEC_I_CONTEXT_EXPIRED || *ppPlain;
}

void PrintHexDump(DWORD length, PBYTE buffer)
{
	/* The sample dumps every byte; the first 32 are enough for a test log. */
	DWORD i, count = length < 32 ? length : 32;

	for (i = 0; i < count; i++)
		printf("%02x%s", buffer[i], (i % 16 == 15 || i + 1 == count) ? "\n" : " ");
	if (count < length)
		printf("... (%u bytes)\n", length);
}

/* The sample's length prefix is gone: RDP sends the token as it is. */
BOOL SendMsg(SOCKET s, PBYTE pBuf, DWORD cbBuf)
{
	if (0 == cbBuf)
		return TRUE;
	return SendBytes(s, pBuf, cbBuf);
}

/* What the socket has, after the bytes left from the last token (g_cbIn). */
BOOL ReceiveMsg(SOCKET s, PBYTE pBuf, DWORD cbBuf, DWORD *pcbRead)
{
	DWORD cbRead = 0;

	if (!ReceiveBytes(s, pBuf + g_cbIn, cbBuf - g_cbIn, &cbRead))
		return FALSE;
	g_cbIn += cbRead;
	*pcbRead = g_cbIn;
	return TRUE;
}

BOOL SendBytes(SOCKET s, PBYTE pBuf, DWORD cbBuf)
{
	return x224_send_all(s, &g_until, pBuf, cbBuf) == 0;
}

BOOL ReceiveBytes(SOCKET s, PBYTE pBuf, DWORD cbBuf, DWORD *pcbRead)
{
	struct pollfd p = {.fd = s, .events = POLLIN};
	ssize_t n;

	if (!cbBuf || poll(&p, 1, (int)g_timeout * 1000) != 1)
		return FALSE;
	n = recv(s, pBuf, cbBuf, 0);
	if (n <= 0)
		return FALSE;
	*pcbRead = (DWORD)n;
	return TRUE;
}
